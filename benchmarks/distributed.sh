#!/usr/bin/env bash
# The distributed pipeline of samples/distributed (producer → N workers → consumer, through NATS JetStream on this
# machine) against the same work in one process: decode → OCR text detection (PaddleOCR's PP-OCRv4 detector through
# .Infer, ONNX Runtime on the CPU, the model from scripts/setup.sh's cache); the workers publish each frame's text
# regions (polygons + scores) as its results.
#   benchmarks/distributed.sh [INPUT] [REPEAT] [ROUNDS]   (default: testdata/cityCC0.mpg, 3 streams of it, 3 rounds)
# Setups, run in turn in every round (so a machine whose load changes treats them alike), medians at the end:
#   one process          the library's defaults (ONNX Runtime: one thread per physical core, one run at a time)
#   one process, split   the cores shared out as between the workers: one thread per run, one run per core in flight
#   1 worker / 2 workers the broker pipeline; one worker takes every core, each of 2 workers nproc/2 threads
# Per setup: frames/s (first result to last), p50/p99 end-to-end latency per frame, CPU seconds per frame (user + sys of
# every process of the setup: on a shared, loaded machine frames/s measures the share of the CPU a setup gets — more
# runnable threads get more — while CPU per frame measures the work it does), and for the broker the bytes it
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

inprocess() { # name, extra arguments
  local name=$1; shift
  /usr/bin/time -f "%U %S" -o "$tmp/time" dotnet run -c Release --no-build "$script" -- inprocess --input "$input" --repeat "$repeat" "$@" >"$tmp/inproc.out"
  local line frames cpu
  line=$(tail -1 "$tmp/inproc.out")
  frames=$(sed -E 's/.*frames ([0-9]+),.*/\1/' <<<"$line")
  cpu=$(awk '{ print $1 + $2 }' "$tmp/time")
  echo "$name|$(sed -E 's/.*fps ([0-9.]+),.*/\1/' <<<"$line")|$(sed -E 's/.*latency p50 ([0-9]+) ms p99 ([0-9]+) ms.*/\1|\2/' <<<"$line")|$(awk -v c="$cpu" -v f="$frames" 'BEGIN { printf "%.1f", 1000 * c / f }')|-" >"$tmp/line"
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
  local before; before=$(cpu_of "${wpids[@]}" "$server")
  /usr/bin/time -f "%U %S" -o "$tmp/consumer.time" dotnet run -c Release --no-build "$script" -- consumer --engine nats --servers "$servers" --streams "$repeat" >"$tmp/consumer.out" &
  consumer=$!
  pids+=($consumer)
  /usr/bin/time -f "%U %S" -o "$tmp/time" dotnet run -c Release --no-build "$script" -- producer --engine nats --servers "$servers" --input "$input" --repeat "$repeat" >/dev/null
  producer_cpu=$(awk '{ print $1 + $2 }' "$tmp/time")
  wait "$consumer" || true
  local after; after=$(cpu_of "${wpids[@]}" "$server") # the workers are done once the consumer has every result
  producer_cpu=$(awk -v p="$producer_cpu" '{ print p + $1 + $2 }' "$tmp/consumer.time") # and the consumer's
  local in_bytes final frames
  in_bytes=$(curl -s "http://127.0.0.1:$mport/varz" | sed -nE 's/.*"in_bytes": ([0-9]+).*/\1/p')
  final=$(tail -1 "$tmp/consumer.out")
  frames=$(sed -E 's/.*frames processed ([0-9]+).*/\1/' <<<"$final")
  local cpu; cpu=$(awk -v a="$after" -v b="$before" -v p="$producer_cpu" 'BEGIN { print a - b + p }')
  echo "broker, $workers worker(s)|$(sed -E 's/.*overall fps ([0-9.]+).*/\1/' <<<"$final")|$(sed -E 's/.*latency p50 ([0-9]+) ms p99 ([0-9]+) ms.*/\1|\2/' <<<"$final")|$(awk -v c="$cpu" -v f="$frames" 'BEGIN { printf "%.1f", 1000 * c / f }')|$(( in_bytes / frames ))" >"$tmp/line"
  for pid in "${wpids[@]}"; do kill -- "-$pid" 2>/dev/null || true; done
  kill -- "-$server" 2>/dev/null || true
}

echo "input $input x $repeat streams, $cores cores, $rounds rounds; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "setup|fps|p50 ms|p99 ms|CPU ms/frame|broker bytes/frame" >"$tmp/results"
for round in $(seq "$rounds"); do
  for setup in one split w1 w2; do
    case $setup in
      one) inprocess "one process" ;;
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
echo "medians of $rounds rounds:"
python3 - "$tmp/results" <<'PY'
import sys, statistics
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1])][1:]
order, by = [], {}
for r in rows:
    if r[0] not in by: order.append(r[0]); by[r[0]] = []
    by[r[0]].append(r[1:])
med = lambda xs: statistics.median(float(x) for x in xs)
fps = {}
for name in order:
    cols = list(zip(*by[name]))
    fps[name] = med(cols[0])
    extra = "" if cols[4][0] == "-" else f", broker bytes/frame {med(cols[4]):.0f}"
    print(f"  {name:20} fps {fps[name]:6.1f}, p50 {med(cols[1]):6.0f} ms, p99 {med(cols[2]):6.0f} ms, CPU {med(cols[3]):6.1f} ms/frame{extra}")
one, split, w1, w2 = (fps.get(k) for k in ("one process", "one process, split", "broker, 1 worker(s)", "broker, 2 worker(s)"))
if one and w2: print(f"  one process / 2 workers = {one / w2:.2f}; one process, split / 2 workers = {split / w2:.2f}")
if w1 and w2: print(f"  2 workers / 1 worker = {w2 / w1:.2f}")
PY
