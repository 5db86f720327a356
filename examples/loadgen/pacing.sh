#!/usr/bin/env bash
# Pacing error of `loadgen --rate` against `hyper_server`, beside the OS
# floor of the same run (`--floor`): ROUNDS interleaved rounds, each of
# every rate with `--precise` off and on, one tab-separated line per run
# with the 1-minute load average read just before it.
#
#   examples/loadgen/pacing.sh [ROUNDS] [SECONDS]
#
# Environment: RATES (default "10000 50000"), CONNECTIONS (50), GEN_ARGS
# (loadgen's runtime options, default "--workers 1"), SERVER_CPUS and
# GEN_CPUS (taskset CPU lists pinning the server and the generator; unset:
# not pinned). Build first:
#   cargo build --release --features hyper --example hyper_server --example loadgen
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=target/release/examples
rounds=${1:-3}
secs=${2:-3}

pin() {
    local cpus=$1
    shift
    if [ -n "$cpus" ]; then taskset -c "$cpus" "$@"; else "$@"; fi
}

log=$(mktemp)
pin "${SERVER_CPUS:-}" "$bin/hyper_server" --addr 127.0.0.1:0 --workers 1 >"$log" 2>&1 &
server=$!
trap 'kill $server; rm -f "$log"' EXIT
for _ in $(seq 100); do grep -q listening "$log" && break; sleep 0.1; done
port=$(grep -o '127.0.0.1:[0-9]*' "$log" | head -1 | cut -d: -f2)

printf 'round\trate\tprecise\tload1\trps\tp50\tp99\tmax\tfloor_p50\tfloor_p99\tfloor_max\n'
for round in $(seq "$rounds"); do
    for rate in ${RATES:-10000 50000}; do
        for precise in off on; do
            flag=()
            [ "$precise" = on ] && flag=(--precise)
            load=$(cut -d' ' -f1 /proc/loadavg)
            # shellcheck disable=SC2086 # GEN_ARGS is a list of options
            out=$(pin "${GEN_CPUS:-}" "$bin/loadgen" "http://127.0.0.1:$port/" --rate "$rate" \
                --connections "${CONNECTIONS:-50}" ${GEN_ARGS:---workers 1} --duration "$secs" \
                --floor --json "${flag[@]}")
            python3 -c '
import json, sys
v = json.loads(sys.argv[1]); p = v["pacing_error_us"]; f = v["os_floor_us"]
print("\t".join(sys.argv[2:] + ["%.0f" % v["rps"]] + [str(d[k]) for d in (p, f) for k in ("p50", "p99", "max")]))
' "$out" "$round" "$rate" "$precise" "$load"
        done
    done
done
