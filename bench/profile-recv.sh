#!/usr/bin/env bash
# Where a receiver's time goes under the plain flood, against the C loop (issue 19): each
# receiver gets the same C `sendmmsg` flood of COUNT 64-byte datagrams on 127.0.0.1, once under
# `perf record -e cpu-clock` (this machine has no hardware counters) and once under `strace -c`.
# Prints, per receiver: datagrams per CPU-second, the share of samples in the kernel, in the
# receiver's own code and in libc, and the system calls per datagram and per wake (a wake: one
# poll or epoll_wait that returned). Bounded: each run ends when the flood's count is read.
# Then ROUNDS alternated runs of each with no tracer: the medians of datagrams per CPU-second
# and per wall-second, and the ratio of the two receivers' per-CPU-second medians.
# Usage: bash bench/profile-recv.sh [COUNT [ROUNDS]]   (needs perf and strace; builds the bench)
set -euo pipefail
count="${1:-1000000}"
rounds="${2:-5}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
cargo build --release -q -p node-dgram-bench
dir="${CARGO_TARGET_DIR:-$root/target}/release"
# The C programs are compiled by the bench on first use; `recv-raw` makes it do so.
[ -x "$dir/dgram-bench-floor" ] || "$dir/dgram-bench" recv-raw 0.1 >/dev/null 2>&1 || true
floor="$dir/dgram-bench-floor"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# run NAME TOOL... -- RECEIVER...: the receiver prints "ready PORT", then its JSON line.
run() {
  local name="$1" tool="$2"
  shift 2
  local fifo="$out/$name.fifo"
  rm -f "$fifo"
  mkfifo "$fifo"
  "$@" >"$fifo" &
  local pid=$! line port
  exec {rfd}<"$fifo"
  read -r line <&"$rfd"
  port="${line#ready }"
  local tracer=""
  case "$tool" in
    perf)
      perf record -q -e cpu-clock -F 2999 -g -p "$pid" -o "$out/$name.perf" >/dev/null 2>&1 &
      tracer=$!
      ;;
    strace)
      strace -c -f -p "$pid" -o "$out/$name.strace" >/dev/null 2>&1 &
      tracer=$!
      ;;
  esac
  sleep 0.5
  "$floor" flood "$port" 64 60 "$count"
  cat <&"$rfd" >"$out/$name.$tool.json"
  exec {rfd}<&-
  wait "$pid" || true
  if [ -n "$tracer" ]; then
    kill -INT "$tracer" 2>/dev/null || true
    wait "$tracer" 2>/dev/null || true
  fi
}

report() {
  local name="$1"
  python3 - "$out" "$name" "$count" <<'PY'
import json, re, subprocess, sys
out, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
j = json.loads(open(f"{out}/{name}.perf.json").read().strip().splitlines()[-1])
rep = subprocess.run(["perf", "report", "-i", f"{out}/{name}.perf", "--no-children", "--sort", "dso", "--stdio"],
                     capture_output=True, text=True).stdout
shares = {}
for line in rep.splitlines():
    m = re.match(r"\s+([\d.]+)%\s+(\S+)", line)
    if m:
        shares[m.group(2)] = float(m.group(1))
kernel = shares.get("[kernel.kallsyms]", 0.0)
libc = sum(v for k, v in shares.items() if k.startswith("libc"))
own = 100.0 - kernel - libc
calls = {}
for line in open(f"{out}/{name}.strace"):
    f = line.split()
    if len(f) >= 5 and f[-1] not in ("syscall", "total") and f[0][0].isdigit():
        calls[f[-1]] = int(f[3])
wakes = calls.get("poll", 0) + calls.get("epoll_wait", 0)
total = sum(calls.values())
per_cpu = j["count"] / j["cpu"] if j.get("cpu") else 0
print(f"{name:28} {per_cpu:10.0f}/CPU-s  kernel {kernel:5.1f}%  own code {own:5.1f}%  libc {libc:4.1f}%  "
      f"syscalls/datagram {total / count:.2f}  datagrams/wake {count / max(wakes, 1):.1f}  "
      f"({', '.join(f'{k} {v}' for k, v in sorted(calls.items(), key=lambda kv: -kv[1])[:4])})")
PY
}

for tool in perf strace; do
  run c-loop "$tool" "$floor" recv 60
  run node-dgram-on_message "$tool" "$dir/dgram-bench" recv-ndg 60
done
report c-loop
report node-dgram-on_message

for i in $(seq 1 "$rounds"); do
  run "c-loop.$i" none "$floor" recv 60
  run "node-dgram-on_message.$i" none "$dir/dgram-bench" recv-ndg 60
done
python3 - "$out" "$rounds" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
med = {}
for name in ("c-loop", "node-dgram-on_message"):
    runs = [json.loads(open(f"{out}/{name}.{i}.none.json").read().strip().splitlines()[-1]) for i in range(1, rounds + 1)]
    cpu = statistics.median(r["count"] / r["cpu"] for r in runs)
    wall = statistics.median(r["count"] / r["wall"] for r in runs)
    med[name] = cpu
    print(f"{name:28} median of {rounds}: {cpu:10.0f}/CPU-s  {wall:10.0f}/s wall")
print(f"node-dgram on_message / C loop, per CPU-second: {med['node-dgram-on_message'] / med['c-loop']:.2f}x")
PY
