#!/usr/bin/env bash
# The distributed pipeline of samples/distributed (producer → N workers → consumer, through NATS JetStream on this
# machine) against the same work in one process: decode → OCR text detection (PaddleOCR's PP-OCRv4 detector through
# .Infer, ONNX Runtime on the CPU, the model from scripts/setup.sh's cache); the workers publish each frame's text
# regions (polygons + scores) as its results.
#   benchmarks/distributed.sh [INPUT] [REPEAT]      (default: testdata/cityCC0.mpg, 3 streams of it)
# The machine's cores are shared out alike in every setup: one process and 1 worker let ONNX Runtime take them all
# (one thread per physical core), each of N workers gets nproc/N threads, so 2 workers vs 1 measures the pipeline's
# scaling, not oversubscription.
# Prints, per setup: frames, throughput (frames/s from the first result to the last), p50/p99 end-to-end latency per
# frame, and for the broker runs the bytes the broker received per frame (nats-server's in_bytes: chunks, results,
# acknowledgements). Latency: in one process, a packet leaving the demuxer → its frame's result; across processes,
# the chunk cut by the producer → its results at the consumer. The producer is not paced (files are read as fast as
# they go), so latency includes the queue behind a busy worker: compare setups, not absolute numbers.
set -euo pipefail
set -m
cd "$(dirname "$0")/.."
input=${1:-testdata/cityCC0.mpg}
repeat=${2:-3}
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

echo "input $input x $repeat streams, $(nproc) cores"
line=$(run inprocess --input "$input" --repeat "$repeat" | tail -1)
echo "one process:        $line"
inproc_fps=$(sed -E 's/.*fps ([0-9.]+).*/\1/' <<<"$line")

for workers in 1 2; do
  port=$(( 20000 + RANDOM % 20000 )); mport=$(( port + 1 ))
  PATH="$PATH:/usr/sbin" nats-server -js -sd "$tmp/js$workers" -a 127.0.0.1 -p "$port" -m "$mport" >"$tmp/nats$workers.log" 2>&1 &
  server=$!
  pids+=($server)
  for _ in $(seq 100); do (exec 9<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  servers="nats://127.0.0.1:$port"
  wpids=()
  threads=$(( $(nproc) / workers )); [ "$threads" -ge 1 ] || threads=1
  [ "$workers" = 1 ] && threads=0 # ONNX Runtime's default, as in one process
  for i in $(seq "$workers"); do
    run worker --engine nats --servers "$servers" --name "w$i" --threads "$threads" >"$tmp/worker$workers-$i.out" &
    wpids+=($!); pids+=($!)
  done
  # The workers' start-up (JIT, loading the model) is not what is measured: each says "ready" once it has loaded.
  for i in $(seq "$workers"); do
    for _ in $(seq 600); do grep -q ready "$tmp/worker$workers-$i.out" 2>/dev/null && break; sleep 0.1; done
  done
  run consumer --engine nats --servers "$servers" --streams "$repeat" >"$tmp/consumer$workers.out" &
  consumer=$!
  run producer --engine nats --servers "$servers" --input "$input" --repeat "$repeat" >/dev/null
  wait "$consumer"
  in_bytes=$(curl -s "http://127.0.0.1:$mport/varz" | sed -nE 's/.*"in_bytes": ([0-9]+).*/\1/p')
  final=$(tail -1 "$tmp/consumer$workers.out")
  frames=$(sed -E 's/.*frames processed ([0-9]+).*/\1/' <<<"$final")
  fps=$(sed -E 's/.*overall fps ([0-9.]+).*/\1/' <<<"$final")
  lat=$(sed -E 's/.*(latency p50 [0-9]+ ms p99 [0-9]+ ms).*/\1/' <<<"$final")
  regions=$(sed -E 's/.*text regions ([0-9]+).*/\1/' <<<"$final")
  echo "broker, $workers worker(s): frames $frames, fps $fps, $lat, text regions $regions, broker bytes/frame $(( in_bytes / frames )), one process / this = $(awk "BEGIN { printf \"%.2f\", $inproc_fps / $fps }")"
  eval "fps$workers=$fps"
  for pid in "${wpids[@]}"; do kill -- "-$pid" 2>/dev/null || true; done
  kill -- "-$server" 2>/dev/null || true
done
echo "2 workers / 1 worker = $(awk "BEGIN { printf \"%.2f\", $fps2 / $fps1 }")"
