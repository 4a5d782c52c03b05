#!/usr/bin/env bash
# Packs src/MediaGraph into artifacts/, checks that the package carries the native shim, then builds a throwaway
# console app that references MediaGraph 0.1.0 from the artifacts folder as a NuGet package (not a project),
# transcodes a small generated clip with it, and checks the result with ffprobe. Exit status 0 means the package
# works for a consumer on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
version=0.1.0
nupkg=artifacts/MediaGraph.$version.nupkg
native=runtimes/linux-x64/native/libmediagraph_native.so

step() { printf '\n== %s\n' "$*"; }
fail() { echo "pack-check: FAILED: $*" >&2; exit 1; }

step "dotnet pack src/MediaGraph -c Release -o artifacts"
rm -f "$nupkg"
dotnet pack src/MediaGraph -c Release -o artifacts -nologo -v quiet
[ -s "$nupkg" ] || fail "$nupkg was not produced"

step "contents of $nupkg"
unzip -l "$nupkg" | awk 'NR > 3 && $4 != "" && $4 !~ /^-+$/ { print "  " $4 " (" $1 " bytes)" }'
unzip -l "$nupkg" | grep -q " $native\$" || fail "$native is not in the package"
unzip -l "$nupkg" | grep -q " lib/net10.0/MediaGraph.dll\$" || fail "lib/net10.0/MediaGraph.dll is not in the package"
echo "ok: $native and lib/net10.0/MediaGraph.dll are in the package"

work=$(mktemp -d /tmp/mediagraph-pack-check.XXXXXX)
trap 'rm -rf "$work"' EXIT
step "a throwaway app in $work referencing MediaGraph $version from $repo/artifacts"
# Its own packages folder, so a MediaGraph 0.1.0 cached by an earlier run is never used instead of this package.
cat > "$work/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <config>
    <add key="globalPackagesFolder" value="$work/packages" />
  </config>
  <packageSources>
    <add key="mediagraph-local" value="$repo/artifacts" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
  </packageSources>
</configuration>
XML
cat > "$work/PackCheck.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="MediaGraph" Version="$version" />
  </ItemGroup>
</Project>
XML
cat > "$work/Program.cs" <<'CS'
using MediaGraph;

var graph = new Graph();
var input = graph.Decode(args[0]);
graph.Encode(args[1], input.Video.Scale(320, 180), input.Audio, new EncodeOptions { Preset = "veryfast" });
var metrics = await graph.RunAsync();
Console.Write(metrics.Summary());
CS
ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=640x360:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 \
  -t 2 -c:v mpeg2video -q:v 4 -c:a mp2 "$work/in.mpg"

check_output() {
  local out=$1
  local video audio
  video=$(ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=codec_name,width,height,nb_read_packets -of csv=p=0 "$out")
  audio=$(ffprobe -v error -select_streams a:0 -show_entries stream=codec_name -of csv=p=0 "$out")
  echo "ffprobe $out: video $video; audio $audio"
  [ "$video" = "h264,320,180,50" ] || fail "expected video h264,320,180,50 frames, got '$video'"
  [ "$audio" = "aac" ] || fail "expected aac audio, got '$audio'"
}

step "dotnet run (framework-dependent, portable: the native shim comes from runtimes/linux-x64/native/)"
(cd "$work" && dotnet run -c Release -- in.mpg out.mp4)
check_output "$work/out.mp4"
find "$work/bin/Release" -name libmediagraph_native.so | sed 's|^|  native shim in the build output: |'

step "dotnet publish -r linux-x64 (the shim copied next to the app)"
(cd "$work" && dotnet publish -c Release -r linux-x64 --self-contained false -o "$work/publish" -nologo -v quiet)
[ -f "$work/publish/libmediagraph_native.so" ] || fail "publish -r linux-x64 did not copy libmediagraph_native.so next to the app"
(cd "$work" && ./publish/PackCheck in.mpg out_published.mp4)
check_output "$work/out_published.mp4"

printf '\npack-check: OK (%s)\n' "$nupkg"
