#!/usr/bin/env bash
# The distributed pipeline of samples/distributed (producer → N workers → consumer, through NATS JetStream on this
# machine) against the same work in one process: decode → OCR text detection (PaddleOCR's PP-OCRv4 detector through
# .Infer, ONNX Runtime on the CPU, the model from scripts/setup.sh's cache); the workers publish each frame's text
# regions (polygons + scores) as its results.
#   benchmarks/distributed.sh [INPUT] [REPEAT] [ROUNDS]   (default: testdata/cityCC0.mpg, 3 streams of it, 3 rounds)
# Setups, run in turn in every round (so a machine whose load changes treats them alike), medians at the end:
#   one process          the library's defaults: one ONNX Runtime thread a run on the CPU; the Infer node runs a
#                        frame at once when nothing queues, and overlaps runs (one per core) when frames queue
#   one process, 1 run   one run at a time of every core's thread (the library's default before the automatic one)
#   one process, split   the cores shared out as between the workers: one thread per run, one run per core in flight
#   1 worker / 2 workers the broker pipeline; one worker takes every core, each of 2 workers nproc/2 threads
# In one process all the streams run at once through one Infer node, as the producer publishes them all at once.
# Per setup: steady-state frames/s (first result to last), the job's overall frames/s (frames over the wall time from
# the job's start — the in-process graph starting after the model loaded, or the producer starting with the workers
# already up — to its last result), p50/p99 end-to-end latency per frame, CPU split into start-up (seconds, once per
# process: the dotnet host, JIT, a model load per worker) and the job (ms per frame: user + sys of every process of
# the setup from the job's start on; on a shared, loaded machine frames/s measures the share of the CPU a setup gets
# — more runnable threads get more — while CPU per frame measures the work it does), and for the broker the bytes it
# received per frame (nats-server's in_bytes: chunks, results, acknowledgements). Latency: in one process, a packet
# leaving the demuxer → its frame's result; across processes, the chunk cut by the producer → its results at the
# consumer. The producer is not paced, so latency includes the queue behind a busy worker: compare setups, not
# absolute numbers.
set -euo pipefail
set -m
cd "$(dirname "$0")/.."
input=${1:-testdata/cityCC0.mpg}
repeat=${2:-3}
rounds=${3:-3}
script=samples/distributed/distributed.cs
dotnet build -c Release "$script" >/dev/null
run() { dotnet run -c Release --no-build "$script" -- "$@"; }
tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -- "-$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
cores=$(nproc)
# CPU seconds (user + sys) of every process in the process groups given.
cpu_of() {
  local t=0 g p
  for g in "$@"; do
    for p in $(pgrep -g "$g" || true); do
      t=$(awk -v t="$t" '{ print t + ($14 + $15) / '"$(getconf CLK_TCK)"' }' "/proc/$p/stat" 2>/dev/null || echo "$t")
    done
  done
  echo "$t"
}

field() { sed -nE "s/.*$1.*/\1/p" <<<"$2"; } # field REGEX-WITH-ONE-GROUP LINE

inprocess() { # name, extra arguments
  local name=$1; shift
  /usr/bin/time -f "%U %S" -o "$tmp/time" dotnet run -c Release --no-build "$script" -- inprocess --input "$input" --repeat "$repeat" "$@" >"$tmp/inproc.out"
  local line frames total job
  line=$(tail -1 "$tmp/inproc.out")
  frames=$(field 'frames ([0-9]+),' "$line")
  total=$(awk '{ print $1 + $2 }' "$tmp/time")
  job=$(field 'cpu job ([0-9.]+) s' "$line")
  echo "$name|$(field ' fps ([0-9.]+),' "$line")|$(field 'overall fps ([0-9.]+),' "$line")|$(field 'p50 ([0-9]+) ms' "$line")|$(field 'p99 ([0-9]+) ms' "$line")|$(awk -v t="$total" -v j="$job" 'BEGIN { printf "%.1f", t - j }')|$(awk -v j="$job" -v f="$frames" 'BEGIN { printf "%.1f", 1000 * j / f }')|-" >"$tmp/line"
}

# Each setup writes its result line to $tmp/line; they run in this shell (not in $(...)), so the background processes
# they start are in pids for the cleanup and get process groups of their own (set -m) to be stopped with.
broker() { # workers
  local workers=$1 port mport server servers threads wpids=() consumer producer_cpu
  port=$(( 20000 + RANDOM % 20000 )); mport=$(( port + 1 ))
  PATH="$PATH:/usr/sbin" nats-server -js -sd "$tmp/js$RANDOM" -a 127.0.0.1 -p "$port" -m "$mport" >"$tmp/nats.log" 2>&1 &
  server=$!
  pids+=($server)
  for _ in $(seq 100); do (exec 9<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  servers="nats://127.0.0.1:$port"
  threads=$(( cores / workers )); [ "$threads" -ge 1 ] || threads=1
  [ "$workers" = 1 ] && threads=0 # ONNX Runtime's default, as in one process
  for i in $(seq "$workers"); do
    run worker --engine nats --servers "$servers" --name "w$i" --threads "$threads" >"$tmp/worker$i.out" &
    wpids+=($!); pids+=($!)
  done
  # The workers' start-up (JIT, loading the model) is not what is measured: each says "ready" once it has loaded.
  for i in $(seq "$workers"); do
    for _ in $(seq 600); do grep -q ready "$tmp/worker$i.out" 2>/dev/null && break; sleep 0.1; done
  done
  local before; before=$(cpu_of "${wpids[@]}" "$server") # the workers' and the server's start-up
  /usr/bin/time -f "%U %S" -o "$tmp/consumer.time" dotnet run -c Release --no-build "$script" -- consumer --engine nats --servers "$servers" --streams "$repeat" >"$tmp/consumer.out" &
  consumer=$!
  pids+=($consumer)
  /usr/bin/time -f "%U %S" -o "$tmp/time" dotnet run -c Release --no-build "$script" -- producer --engine nats --servers "$servers" --input "$input" --repeat "$repeat" >"$tmp/producer.out"
  wait "$consumer" || true
  local after; after=$(cpu_of "${wpids[@]}" "$server") # the workers are done once the consumer has every result
  local in_bytes final produced consumed frames started last startup job
  in_bytes=$(curl -s "http://127.0.0.1:$mport/varz" | sed -nE 's/.*"in_bytes": ([0-9]+).*/\1/p')
  final=$(grep '^final:' "$tmp/consumer.out" | tail -1)
  consumed=$(tail -1 "$tmp/consumer.out")
  produced=$(tail -1 "$tmp/producer.out")
  frames=$(field 'frames processed ([0-9]+)' "$final")
  started=$(field 'started at ([0-9]+) us' "$produced")
  last=$(field 'last result at ([0-9]+) us' "$consumed")
  # Start-up: the workers' and the server's CPU until they were ready, and the producer's and consumer's until their
  # job began (each process's total from /usr/bin/time less the job it reports); the job: all the rest.
  startup=$(awk -v b="$before" -v pt="$(awk '{ print $1 + $2 }' "$tmp/time")" -v pj="$(field 'cpu job ([0-9.]+) s' "$produced")" \
    -v ct="$(awk '{ print $1 + $2 }' "$tmp/consumer.time")" -v cj="$(field 'cpu job ([0-9.]+) s' "$consumed")" 'BEGIN { printf "%.1f", b + pt - pj + ct - cj }')
  job=$(awk -v a="$after" -v b="$before" -v pj="$(field 'cpu job ([0-9.]+) s' "$produced")" -v cj="$(field 'cpu job ([0-9.]+) s' "$consumed")" 'BEGIN { print a - b + pj + cj }')
  echo "broker, $workers worker(s)|$(field 'overall fps ([0-9.]+)' "$final")|$(awk -v f="$frames" -v s="$started" -v l="$last" 'BEGIN { printf "%.1f", f / ((l - s) / 1e6) }')|$(field 'p50 ([0-9]+) ms' "$final")|$(field 'p99 ([0-9]+) ms' "$final")|$startup|$(awk -v j="$job" -v f="$frames" 'BEGIN { printf "%.1f", 1000 * j / f }')|$(( in_bytes / frames ))" >"$tmp/line"
  for pid in "${wpids[@]}"; do kill -- "-$pid" 2>/dev/null || true; done
  kill -- "-$server" 2>/dev/null || true
  for pid in "${wpids[@]}" "$server"; do wait "$pid" 2>/dev/null || true; done # reaped here: no job-control notices
}

echo "input $input x $repeat streams, $cores cores, $rounds rounds; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "setup|fps|overall fps|p50 ms|p99 ms|start-up CPU s|job CPU ms/frame|broker bytes/frame" >"$tmp/results"
for round in $(seq "$rounds"); do
  for setup in one one1 split w1 w2; do
    case $setup in
      one) inprocess "one process" ;;
      one1) inprocess "one process, 1 run" --runs 1 --threads "$cores" ;;
      split) inprocess "one process, split" --threads 1 --runs "$cores" ;;
      w1) broker 1 ;;
      w2) broker 2 ;;
    esac
    r=$(cat "$tmp/line")
    echo "round $round, load $(cut -d' ' -f1 /proc/loadavg): $r"
    echo "$r" >>"$tmp/results"
  done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "medians of $rounds rounds ($input x $repeat streams, $cores cores):"
python3 - "$tmp/results" <<'PY'
import sys, statistics
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1])][1:]
order, by = [], {}
for r in rows:
    if r[0] not in by: order.append(r[0]); by[r[0]] = []
    by[r[0]].append(r[1:])
def med(xs):
    xs = [float(x) for x in xs if x not in ("-", "")]
    return statistics.median(xs) if xs else float("nan")
print("| setup | fps (steady) | fps (overall) | p50 / p99 latency ms | start-up CPU s | job CPU ms/frame | broker bytes/frame |")
print("| --- | --- | --- | --- | --- | --- | --- |")
fps = {}
for name in order:
    c = list(zip(*by[name]))
    fps[name] = (med(c[0]), med(c[1]))
    b = "-" if c[6][0] == "-" else f"{med(c[6]):,.0f}"
    print(f"| {name} | {fps[name][0]:.1f} | {fps[name][1]:.1f} | {med(c[2]):.0f} / {med(c[3]):.0f} | {med(c[4]):.1f} | {med(c[5]):.1f} | {b} |")
def ratio(a, b, i):
    return f"{fps[a][i] / fps[b][i]:.2f}" if a in fps and b in fps and fps[b][i] else "?"
w1, w2 = "broker, 1 worker(s)", "broker, 2 worker(s)"
for a in ("one process", "one process, 1 run", "one process, split"):
    print(f"  {a} / 2 workers: steady {ratio(a, w2, 0)}, overall {ratio(a, w2, 1)}")
print(f"  2 workers / 1 worker: steady {ratio(w2, w1, 0)}, overall {ratio(w2, w1, 1)}")
PY
