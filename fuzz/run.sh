#!/usr/bin/env bash
# Runs every fuzz target for SECONDS seconds each (default 60), one after the other, and prints
# libFuzzer's final stats. Needs cargo-fuzz (`cargo install cargo-fuzz --locked`); stable Rust
# works with RUSTC_BOOTSTRAP=1 (set here). Set PARALLEL=1 to run the targets at the same time.
# Logs go to fuzz/logs/TARGET.log; crashes to fuzz/artifacts/TARGET/.
set -u
cd "$(dirname "$0")"
SECONDS_EACH="${1:-60}"
TARGETS="parse_ip ports socket_type blocklist message_range"
export RUSTC_BOOTSTRAP=1
cargo fuzz build || exit 1
mkdir -p logs
run() {
    cargo fuzz run "$1" -- -max_total_time="$SECONDS_EACH" -print_final_stats=1 >"logs/$1.log" 2>&1
    echo "$1: exit $?"
}
for t in $TARGETS; do
    if [ "${PARALLEL:-0}" = 1 ]; then run "$t" & else run "$t"; fi
done
wait
status=0
for t in $TARGETS; do
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$')
    crashes=$(ls "artifacts/$t" 2>/dev/null | grep -c -E '^(crash|leak|timeout|oom)-' || true)
    printf '%-14s executions %-12s crash artifacts %s\n' "$t" "${execs:-?}" "$crashes"
    grep -q 'Done [0-9]* runs' "logs/$t.log" || status=1
done
exit $status
