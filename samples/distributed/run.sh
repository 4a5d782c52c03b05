#!/usr/bin/env bash
# The distributed sample in one command: a broker, 2 workers, the consumer and the producer, on this machine.
#   samples/distributed/run.sh [--kafka] [--input FILE] [--workers N] [--repeat N] [--every SECONDS]
# NATS JetStream by default (Debian's nats-server, file storage in a temp folder, a free port); --kafka uses
# librdkafka's mock cluster (real Kafka protocol on loopback ports, hosted by a process of the sample). Ends when the
# consumer has every result and printed its final report; the broker and the workers are stopped then. The workers
# run OCR text detection with the model scripts/setup.sh caches; each gets nproc/N ONNX Runtime threads.
set -euo pipefail
set -m # each background process gets a process group of its own, so cleanup ends it with what `dotnet run` started
cd "$(dirname "$0")/../.."

engine=nats input=testdata/cityCC0.mpg workers=2 repeat=1 every=30
while [ $# -gt 0 ]; do
  case "$1" in
    --kafka) engine=kafka ;;
    --input) input=$2; shift ;;
    --workers) workers=$2; shift ;;
    --repeat) repeat=$2; shift ;;
    --every) every=$2; shift ;;
    *) echo "usage: $0 [--kafka] [--input FILE] [--workers N] [--repeat N] [--every SECONDS]" >&2; exit 2 ;;
  esac
  shift
done

script=samples/distributed/distributed.cs
echo "building the sample (Release)..."
dotnet build -c Release "$script" >/dev/null
run() { dotnet run -c Release --no-build "$script" -- "$@"; }

tmp=$(mktemp -d)
pids=()
cleanup() {
  exec 3>&- 2>/dev/null || true
  for pid in "${pids[@]}"; do kill -- "-$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

if [ "$engine" = kafka ]; then
  mkfifo "$tmp/mock.in"
  run kafka-mock <"$tmp/mock.in" >"$tmp/mock.out" &
  pids+=($!)
  exec 3>"$tmp/mock.in" # the mock cluster lives while this stays open
  for _ in $(seq 100); do [ -s "$tmp/mock.out" ] && break; sleep 0.1; done
  servers=$(head -1 "$tmp/mock.out")
  [ -n "$servers" ] || { echo "the Kafka mock cluster did not start" >&2; exit 1; }
  echo "kafka mock cluster at $servers"
  chunking=--key-by-chunk # spread one stream's chunks over the partitions, so every worker of the group gets some
else
  command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || { echo "nats-server is missing: run scripts/setup.sh" >&2; exit 1; }
  port=$(( 20000 + RANDOM % 20000 ))
  PATH="$PATH:/usr/sbin" nats-server -js -sd "$tmp/jetstream" -a 127.0.0.1 -p "$port" >"$tmp/nats.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do (exec 9<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  servers="nats://127.0.0.1:$port"
  echo "nats-server (JetStream, file storage) at $servers"
  chunking=
fi

threads=$(( $(nproc) / workers )); [ "$threads" -ge 1 ] || threads=1
for i in $(seq "$workers"); do
  run worker --engine "$engine" --servers "$servers" --name "w$i" --threads "$threads" &
  pids+=($!)
done
run consumer --engine "$engine" --servers "$servers" --streams "$repeat" --every "$every" &
consumer=$!
run producer --engine "$engine" --servers "$servers" --input "$input" --repeat "$repeat" $chunking
wait "$consumer"
