#!/usr/bin/env bash
# Installs what MediaGraph needs on a fresh Debian/Ubuntu machine, and makes sure there is media to run on.
# Idempotent: installs only what is missing, never touches what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(ffmpeg libavcodec-dev libavformat-dev libavfilter-dev libswscale-dev libswresample-dev libavutil-dev
          cmake pkg-config build-essential unzip)
packages+=(nats-server) # NATS JetStream for the broker tests and samples/distributed (started by them, never as a service)

missing=()
if command -v dpkg >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
else
  echo "setup: not a Debian-based system; install FFmpeg (>= 5.1) with its development headers, cmake, pkg-config and a C compiler yourself" >&2
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
      echo "setup: missing packages (${missing[*]}) and not root, and sudo is not available; install them as root" >&2
      exit 1
    fi
  fi
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! command -v dotnet >/dev/null 2>&1; then
  cat >&2 <<'MSG'
setup: the .NET 10 SDK is not installed. Install it, for example:
  curl -sSL https://dot.net/v1/dotnet-install.sh | bash -s -- --channel 10.0
  export PATH="$HOME/.dotnet:$PATH"
or from Microsoft's Debian packages: https://learn.microsoft.com/dotnet/core/install/linux-debian
MSG
  exit 1
fi
major=$(dotnet --version 2>/dev/null | cut -d. -f1)
if [ -z "$major" ] || [ "$major" -lt 10 ]; then
  echo "setup: dotnet $(dotnet --version 2>/dev/null || echo '?') found, but MediaGraph needs the .NET 10 SDK" >&2
  exit 1
fi

# Media for the demo: the shared sample clip when there is one, else a generated clip of the same shape.
mkdir -p testdata
if [ ! -s testdata/cityCC0.mpg ]; then
  if [ -s ../shared/media/cityCC0.mpg ]; then
    cp ../shared/media/cityCC0.mpg testdata/cityCC0.mpg && chmod u+w testdata/cityCC0.mpg
    echo "setup: copied ../shared/media/cityCC0.mpg to testdata/"
  else
    echo "setup: ../shared/media/cityCC0.mpg not found; generating a substitute clip (testsrc2, 720x405, 25 fps, 190 frames, MPEG-2)"
    # testsrc2 only makes even sizes; scale to the odd 405 rows the real clip has (odd 4:2:0 sizes get exercised).
    ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=720x406:rate=25 -frames:v 190 \
      -vf scale=720:405,setsar=1 -c:v mpeg2video -q:v 4 -f mpeg testdata/cityCC0.mpg.tmp
    mv testdata/cityCC0.mpg.tmp testdata/cityCC0.mpg
  fi
fi
echo "setup: ok (dotnet $(dotnet --version), $(ffmpeg -version | head -1 | cut -d' ' -f1-3))"
