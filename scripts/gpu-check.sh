#!/usr/bin/env bash
# The GPU check, ready before a GPU is (issue 17.5; docs/gpu.md, "The GPU check").
#
#   scripts/gpu-check.sh bundle   Builds .gpu-bundle/ (<= 64 MiB, measured; the build fails when it is larger) for a lent
#                                 GPU machine, which has the NVIDIA driver, nvcc and CMake but no FFmpeg, no .NET and no
#                                 network, then runs the bundle's check program on cuda-sim from the bundle (its own
#                                 FFmpeg through LD_LIBRARY_PATH, not the system's). This is what test.sh and CI run.
#                                 The bundle holds:
#                                   lib/    a minimal FFmpeg 5.1 built from Debian's own source package (apt-get source
#                                           through a private deb-src entry and private lists: the system's apt sources
#                                           stay untouched) with NVIDIA's codec headers (libffmpeg-nvenc-dev): H.264 and
#                                           HEVC decoders, NVDEC hwaccels and CUVID decoders, NVENC, libx264 (Debian's
#                                           libx264.so.164 rides along: the download path where NVENC is absent),
#                                           mov/mp4/matroska, yadif, scale, format, yadif_cuda and scale_cuda (PTX
#                                           compiled by clang, --enable-cuda-llvm); same sonames as Debian's;
#                                   bin/    that FFmpeg's ffmpeg CLI (the side-by-side run on the GPU);
#                                   app/    a self-contained, trimmed (TrimMode=partial: the framework is trimmed,
#                                           ILGPU and MediaGraph are kept whole, they use reflection) publish of the
#                                           check program tests/MediaGraph.GpuCheck, with the native shim built
#                                           against the bundle's FFmpeg;
#                                   clips/  the 1080p H.264 clip for the GPU and the 192x108 one for cuda-sim, made
#                                           here with the system's ffmpeg CLI;
#                                   run.sh  the one command: `.gpu-bundle/run.sh` (GPU) or `.gpu-bundle/run.sh cuda-sim`.
#                                 The source download and the FFmpeg build are cached outside git in
#                                 ~/.cache/mediagraph/ffmpeg-gpu/ (keyed by the Debian version and the configure flags):
#                                 the second run only re-publishes and re-checks.
#   scripts/gpu-check.sh sim      The check program from the build output on cuda-sim with the system's FFmpeg (the
#                                 quick loop while working on it; no bundle).
#
# On a GPU, run.sh also measures the benchmarks (graph decode vs the bare loop in the native library; the transcode
# side by side with the bundle's ffmpeg CLI) and ends with a summary (docs/gpu.md, "The GPU benchmarks").
#
# Nothing here has run on a GPU yet: the GPU side is unverified on hardware.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
mode="${1:-sim}"
cache="${MEDIAGRAPH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mediagraph}"

case "$mode" in
bundle)
  command -v apt-get >/dev/null && command -v dpkg-source >/dev/null || { echo "gpu-check: needs apt-get and dpkg-dev (Debian)" >&2; exit 1; }
  t0=$(date +%s)
  stage() { echo "gpu-check: $1 ($(( $(date +%s) - t0 )) s)"; }
  version="$(dpkg-query -W -f '${Version}' libavcodec-dev)"   # the installed 5.1, e.g. 7:5.1.9-0+deb12u1
  ffcache="$cache/ffmpeg-gpu"
  src="$ffcache/src-${version//:/_}"

  # 1. Debian's source package of the installed FFmpeg and the two header packages, once.
  if [ ! -f "$src/.done" ]; then
    rm -rf "$src"; mkdir -p "$src/apt/sources" "$src/apt/lists/partial" "$src/apt/archives/partial"
    cat > "$src/apt/sources/deb-src.sources" <<'SRC'
Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    apt_opts=(-o "Dir::Etc::SourceParts=$src/apt/sources" -o Dir::Etc::SourceList=/dev/null
              -o "Dir::State::Lists=$src/apt/lists" -o "Dir::Cache::Archives=$src/apt/archives"
              -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o APT::Sandbox::User=root)
    apt-get "${apt_opts[@]}" -qq update
    # The installed version; when the archive has moved on, its current 5.1 (same sonames, same ABI).
    (cd "$src" && { apt-get "${apt_opts[@]}" -qq source --download-only "ffmpeg=$version" \
                      || apt-get "${apt_opts[@]}" -qq source --download-only ffmpeg; } \
       && apt-get "${apt_opts[@]}" -qq download libffmpeg-nvenc-dev libx264-dev)
    dpkg-source --no-check -x "$src"/ffmpeg_*.dsc "$src/ffmpeg" >/dev/null   # Debian's patches applied
    dpkg -x "$src"/libffmpeg-nvenc-dev_*.deb "$src/deps"
    dpkg -x "$src"/libx264-dev_*.deb "$src/deps"
    touch "$src/.done"
  fi
  deps="$src/deps/usr"
  x264="$(ls /usr/lib/x86_64-linux-gnu/libx264.so.* 2>/dev/null | head -1)"
  [ -n "$x264" ] || { echo "gpu-check: libx264's library is not installed (apt-get install libx264-164)" >&2; exit 1; }
  ln -sfn "$x264" "$deps/lib/x86_64-linux-gnu/libx264.so"   # the -dev package's link points into the runtime package
  sed -i "s|^prefix=.*|prefix=$deps|" "$deps/share/pkgconfig/ffnvcodec.pc" "$deps/lib/x86_64-linux-gnu/pkgconfig/x264.pc"
  stage "source: $src"

  # 2. The minimal FFmpeg: only what the check and the side-by-side ffmpeg CLI use. No assembly at all (--disable-asm:
  #    no nasm needed; the GPU decodes there, and CI's clips are tiny). Not --disable-x86asm alone: with the inline asm
  #    left on, swscale's MMXEXT paths scale to garbage (measured: 5 dB against the system's FFmpeg; -cpuflags 0 gave
  #    63 dB). Cached by version and flags.
  flags=(--enable-shared --disable-static --disable-doc --disable-debug --disable-autodetect --disable-everything
    --disable-asm --enable-pthreads --enable-gpl --disable-ffplay --disable-ffprobe --disable-avdevice --disable-postproc
    --enable-ffnvcodec --enable-cuda --enable-cuda-llvm --enable-cuvid --enable-nvdec --enable-nvenc --enable-libx264
    --enable-protocol=file,pipe --enable-demuxer=mov,matroska,h264,hevc --enable-muxer=mov,mp4,matroska,h264,null
    --enable-parser=h264,hevc --enable-bsf=h264_mp4toannexb,hevc_mp4toannexb,null
    --enable-decoder=h264,hevc,h264_cuvid,hevc_cuvid --enable-hwaccel=h264_nvdec,hevc_nvdec
    --enable-encoder=h264_nvenc,hevc_nvenc,libx264
    --enable-filter=yadif,scale,format,null,anull,aformat,aresample,pad,crop,fps,setpts,trim,hwupload,hwupload_cuda,hwdownload,yadif_cuda,scale_cuda)
  key="$(printf '%s\n' "$version" "${flags[@]}" | sha256sum | cut -c1-12)"
  build="$ffcache/build-$key"
  prefix="$build/install"
  if [ ! -f "$prefix/.done" ]; then
    mkdir -p "$build"
    stage "building FFmpeg $version in $build (log: $build/build.log)"
    if ! (cd "$build" && PKG_CONFIG_PATH="$deps/share/pkgconfig:$deps/lib/x86_64-linux-gnu/pkgconfig" \
          "$src/ffmpeg/configure" --prefix="$prefix" "${flags[@]}" --extra-cflags="-I$deps/include" \
            --extra-ldflags="-L$deps/lib/x86_64-linux-gnu" \
          && make -j"$(nproc)" && make install) > "$build/build.log" 2>&1; then
      tail -40 "$build/build.log" >&2; echo "gpu-check: the FFmpeg build failed (log: $build/build.log)" >&2; exit 1
    fi
    touch "$prefix/.done"
    find "$ffcache" -mindepth 1 -maxdepth 1 -name 'build-*' ! -name "build-$key" -exec rm -rf {} +   # one build kept
  fi
  stage "FFmpeg: $prefix"

  # 3. The native shim against that FFmpeg (its headers and libraries; no rpath, so LD_LIBRARY_PATH decides), built
  # in this checkout (a CMake build folder belongs to one source folder; the FFmpeg build above is shared by all).
  shim="$repo/native/build-gpu"
  PKG_CONFIG_PATH="$prefix/lib/pkgconfig" cmake -S native -B "$shim" -DCMAKE_BUILD_TYPE=Release -DCMAKE_SKIP_RPATH=ON >/dev/null
  cmake --build "$shim" --target mediagraph_native -j "$(nproc)" >/dev/null
  stage "shim: $shim/libmediagraph_native.so"

  # 4. The check program: self-contained, the framework trimmed.
  out="$repo/.gpu-bundle"; rm -rf "$out"; mkdir -p "$out/lib" "$out/bin" "$out/clips"
  if ! dotnet publish tests/MediaGraph.GpuCheck -c Release -r linux-x64 --self-contained -p:PublishTrimmed=true -p:TrimMode=partial \
        -p:DebugType=none -p:SatelliteResourceLanguages=en -o "$out/app" > "$build/publish.log" 2>&1; then
    grep -E "error" "$build/publish.log" | head -20 >&2; echo "gpu-check: dotnet publish failed (log: $build/publish.log)" >&2; exit 1
  fi
  cp "$shim/libmediagraph_native.so" "$out/app/libmediagraph_native.so"   # the bundle's shim over the system-built one
  # Not used by the check: drawing and inference natives, the debugger's (libmscordaccore/dbi), the standalone GCs (loaded
  # only with DOTNET_GCName), the LTTng trace provider and the XML docs.
  (cd "$out/app" && rm -f libSkiaSharp.so libonnxruntime*.so libmscordaccore.so libmscordbi.so libclrgc.so libclrgcexp.so \
     libcoreclrtraceptprovider.so ./*.xml)
  stage "app: $out/app"

  # 5. FFmpeg's libraries under their sonames (plain files), stripped, and libx264.
  for lib in avcodec avformat avfilter avutil swscale swresample; do
    so="$(cd "$prefix/lib" && ls "lib$lib".so.* | awk 'length < min || !min { min = length; name = $0 } END { print name }')"
    cp -L "$prefix/lib/$so" "$out/lib/$so"
    strip --strip-unneeded "$out/lib/$so"
  done
  cp -L "$x264" "$out/lib/"
  cp "$prefix/bin/ffmpeg" "$out/bin/" && strip "$out/bin/ffmpeg"

  # 6. The clips (made with the system's ffmpeg CLI, cached): interlaced content (fields of testsrc2 at 50 Hz woven
  #    into 25 fps frames) coded as progressive H.264 High, so yadif has combing to remove.
  clips="$ffcache/clips"; mkdir -p "$clips"
  [ -f "$clips/h264-1080-600f.mp4" ] || ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=1920x1080:rate=50 -frames:v 600 \
    -vf interlace=scan=tff -c:v libx264 -preset veryfast -crf 30 -pix_fmt yuv420p "$clips/h264-1080-600f.mp4"
  [ -f "$clips/h264-192x108-8f.mp4" ] || ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=192x108:rate=50 -frames:v 8 \
    -vf interlace=scan=tff -c:v libx264 -pix_fmt yuv420p "$clips/h264-192x108-8f.mp4"
  cp "$clips/h264-1080-600f.mp4" "$out/clips/h264-1080.mp4"
  cp "$clips/h264-192x108-8f.mp4" "$out/clips/h264-192x108.mp4"

  cat > "$out/run.sh" <<'RUN'
#!/usr/bin/env bash
# The GPU check, one command: `run.sh` on a machine with an NVIDIA GPU (needs only its driver), `run.sh cuda-sim`
# anywhere (ILGPU's CPU accelerator, the small clip). Uses the bundle's FFmpeg (lib/), never the system's.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd -P)"   # the real path: the check compares it with where libav* was loaded from
export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
mode="${1:-cuda}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
case "$mode" in
cuda)
  nvidia-smi -L 2>/dev/null || echo "run.sh: nvidia-smi not found"
  # The check (NVDEC -> yadif -> scale -> tensorize -> download, the CPU reference, the encode run), the decode
  # benchmark (graph vs the bare loop in the native library) and the transcode side by side with this bundle's ffmpeg
  # CLI (started by the check program, alternating rounds, wall clock); a summary to paste comes last.
  timeout 360 "$here/app/MediaGraph.GpuCheck" --device cuda --input "$here/clips/h264-1080.mp4" --scale 1280x720 --libs "$here/lib" \
    --out "$work" --ffmpeg "$here/bin/ffmpeg" --rounds "${ROUNDS:-3}"
  rc=$?
  [ $rc -eq 124 ] && echo "run.sh: the check ran past 360 s and was stopped"
  exit $rc ;;
cuda-sim)
  "$here/app/MediaGraph.GpuCheck" --device cuda-sim --input "$here/clips/h264-192x108.mp4" --scale 160x90 --libs "$here/lib" --out "$work" \
    --ffmpeg "$here/bin/ffmpeg" --rounds 1
  exit $? ;;
*) echo "usage: run.sh [cuda|cuda-sim]" >&2; exit 2 ;;
esac
RUN
  chmod +x "$out/run.sh"

  # 7. Sizes per part; over 64 MiB (or over what the device tool carries together with the tracked files) fails.
  part() { du -sb "$1" | cut -f1; }
  tracked=$(git ls-files -z | xargs -0 stat -c %s 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
  total=$(part "$out")
  {
    echo "FFmpeg $version, minimal (lib/ without libx264): $(( $(part "$out/lib") - $(stat -c %s "$out/lib/$(basename "$x264")") )) bytes"
    echo "libx264 ($(basename "$x264")): $(stat -c %s "$out/lib/$(basename "$x264")") bytes"
    echo "ffmpeg CLI (bin/): $(part "$out/bin") bytes"
    echo "native shim: $(stat -c %s "$out/app/libmediagraph_native.so") bytes"
    echo ".NET runtime + check program, trimmed (app/ without the shim): $(( $(part "$out/app") - $(stat -c %s "$out/app/libmediagraph_native.so") )) bytes"
    echo "  of which ILGPU.dll $(stat -c %s "$out/app/ILGPU.dll"), MediaGraph.dll $(stat -c %s "$out/app/MediaGraph.dll")"
    echo "clips: $(part "$out/clips") bytes"
    echo "total: $total bytes ($(awk -v b="$total" 'BEGIN { printf "%.1f", b / 1048576 }') MiB); with the repository's tracked files ($tracked bytes) the device tool carries $(awk -v b="$(( total + tracked ))" 'BEGIN { printf "%.1f", b / 1048576 }') MiB"
  } > "$out/SIZES"
  sed 's/^/  /' "$out/SIZES"
  limit=$(( 64 * 1048576 ))
  [ "$total" -le "$limit" ] && [ $(( total + tracked )) -le "$limit" ] \
    || { echo "gpu-check: the bundle is over 64 MiB (with the tracked files): see $out/SIZES" >&2; exit 1; }
  stage "bundle: $out"

  # 8. The bundle's check program on cuda-sim, from the bundle, with the bundle's FFmpeg.
  "$out/run.sh" cuda-sim
  stage "bundle checked on cuda-sim"
  ;;

sim)
  dll=tests/MediaGraph.GpuCheck/bin/Release/net10.0/MediaGraph.GpuCheck.dll
  [ -f "$dll" ] || dotnet build tests/MediaGraph.GpuCheck -c Release -v q >/dev/null
  work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
  ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=192x108:rate=50 -frames:v 8 -vf interlace=scan=tff \
    -c:v libx264 -pix_fmt yuv420p "$work/in.mp4"
  dotnet "$dll" --device cuda-sim --input "$work/in.mp4" --scale 160x90 --out "$work" --ffmpeg "$(command -v ffmpeg)" --rounds 1
  ;;

*)
  echo "usage: scripts/gpu-check.sh bundle|sim" >&2; exit 2 ;;
esac
