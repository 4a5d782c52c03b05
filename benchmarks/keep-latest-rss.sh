#!/usr/bin/env bash
# Memory of a slow consumer behind keep-latest: a live RTSP camera (scripts/rtsp-camera.py, 640x360 25 fps H.264)
# read by a graph whose app reads one frame every 100 ms (10 fps), for SECONDS seconds (default 120). Prints the
# process's VmRSS every 10 s, then start (at 10 s), end and peak, frames dropped, and the consumer's lag behind the
# camera. The bar (issue 15): RSS flat over 2 minutes. POLICY=block shows the other side: the consumer falls behind.
#
#   benchmarks/keep-latest-rss.sh [SECONDS]     POLICY=keep-latest|drop-oldest|block, DELAY_MS=100
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-120}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
/usr/bin/python3 scripts/rtsp-camera.py "$port" 640 360 > /tmp/keep-latest-camera.$$ 2>&1 &
camera=$!
trap 'kill $camera 2>/dev/null || true; rm -f /tmp/keep-latest-camera.$$' EXIT
for _ in $(seq 100); do grep -q ready /tmp/keep-latest-camera.$$ && break; sleep 0.1; done
grep -q ready /tmp/keep-latest-camera.$$ || { cat /tmp/keep-latest-camera.$$ >&2; echo "the camera did not start (run scripts/setup.sh)" >&2; exit 1; }
dotnet run -c Release benchmarks/keep-latest-rss.cs -- "rtsp://127.0.0.1:$port/cam" "$seconds" "${DELAY_MS:-100}" "${POLICY:-keep-latest}"
