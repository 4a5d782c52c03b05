#!/usr/bin/env bash
# The main job: installs what is missing, then transcodes a real clip through a MediaGraph pipeline
# (decode → scale to 1280x720 → libx264 veryfast → MP4) with the mediagraph CLI, and shows what came out.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup.sh
mkdir -p out
dotnet run -c Release --project src/MediaGraph.Cli -- \
  transcode testdata/cityCC0.mpg out/cityCC0_720p.mp4 --scale 1280x720 --preset veryfast
echo
echo "ffprobe out/cityCC0_720p.mp4:"
ffprobe -hide_banner out/cityCC0_720p.mp4 2>&1
echo "  video frames: $(ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 out/cityCC0_720p.mp4)"
