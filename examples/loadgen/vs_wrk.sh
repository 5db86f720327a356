#!/usr/bin/env bash
# Closed-loop throughput against `hyper_server`: `loadgen` and `wrk` with
# the same connections and threads, ROUNDS interleaved rounds, and each
# generator's CPU per request (user + system time of the generator process
# alone, from getrusage through GNU time). One tab-separated line per run,
# with the 1-minute load average read just before it.
#
#   examples/loadgen/vs_wrk.sh [ROUNDS] [SECONDS]
#
# Environment: CONNECTIONS (50), THREADS (1: wrk's -t, loadgen's
# --workers), LOADGEN_ARGS (extra loadgen options, e.g. --per-core),
# SERVER_CPUS and GEN_CPUS (taskset CPU lists; unset: not pinned).
# Needs wrk (Debian: apt-get install wrk) and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=target/release/examples
rounds=${1:-3}
secs=${2:-4}
conns=${CONNECTIONS:-50}
threads=${THREADS:-1}

pin() {
    local cpus=$1
    shift
    if [ -n "$cpus" ]; then taskset -c "$cpus" "$@"; else "$@"; fi
}

log=$(mktemp)
times=$(mktemp)
pin "${SERVER_CPUS:-}" "$bin/hyper_server" --addr 127.0.0.1:0 --workers 1 >"$log" 2>&1 &
server=$!
trap 'kill $server; rm -f "$log" "$times"' EXIT
for _ in $(seq 100); do grep -q listening "$log" && break; sleep 0.1; done
url="http://$(grep -o '127.0.0.1:[0-9]*' "$log" | head -1)/"

# Prints "requests elapsed_s" for one run of generator $1, its CPU seconds
# (user system) in $times.
run() {
    case $1 in
    wrk)
        pin "${GEN_CPUS:-}" /usr/bin/time -o "$times" -f '%U %S' \
            wrk -t "$threads" -c "$conns" -d "${secs}s" "$url" |
            awk '/requests in/ { sub(/s,$/, "", $4); print $1, $4 }'
        ;;
    loadgen)
        # shellcheck disable=SC2086 # LOADGEN_ARGS is a list of options
        pin "${GEN_CPUS:-}" /usr/bin/time -o "$times" -f '%U %S' \
            "$bin/loadgen" "$url" --connections "$conns" --workers "$threads" ${LOADGEN_ARGS:-} \
            --duration "$secs" --json |
            python3 -c 'import json, sys; v = json.load(sys.stdin); print(v["requests"], v["requests"] / v["rps"])'
        ;;
    esac
}

printf 'round\tgenerator\tload1\treq_per_s\tcpu_s\tcpu_us_per_req\n'
for round in $(seq "$rounds"); do
    for gen in wrk loadgen; do
        load=$(cut -d' ' -f1 /proc/loadavg)
        read -r requests elapsed < <(run $gen)
        read -r user sys <"$times"
        awk -v r="$round" -v g="$gen" -v l="$load" -v n="$requests" -v e="$elapsed" -v u="$user" -v s="$sys" \
            'BEGIN { printf "%s\t%s\t%s\t%.0f\t%.2f\t%.2f\n", r, g, l, n / e, u + s, (u + s) * 1e6 / n }'
    done
done
