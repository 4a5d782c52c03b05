#!/usr/bin/env bash
# Packs src/MediaGraph into artifacts/, checks that the package carries the native shim, then builds a throwaway
# console app that references that MediaGraph package from the artifacts folder (not the project), transcodes a
# small generated clip with it, and checks the result with ffprobe. Then packs the mediagraph CLI as a .NET tool,
# installs it from the artifacts folder into a throwaway --tool-path and runs `mediagraph doctor` and a small
# `mediagraph transcode` with it. Exit status 0 means both packages work for a consumer on this machine.
# The version is the repository's (MinVer: see Directory.Build.props): the package is found by a glob, not a name.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
native=runtimes/linux-x64/native/libmediagraph_native.so

step() { printf '\n== %s\n' "$*"; }
fail() { echo "pack-check: FAILED: $*" >&2; exit 1; }

# The one package of each id that this run produced (MediaGraph.[0-9]* leaves MediaGraph.Cli.* out).
only_package() {
  local found=("$@")
  [ -e "${found[0]}" ] || fail "no package matching ${found[0]} was produced"
  [ "${#found[@]}" -eq 1 ] || fail "more than one package: ${found[*]}"
  echo "${found[0]}"
}

step "dotnet pack src/MediaGraph -c Release -o artifacts"
rm -f artifacts/MediaGraph.[0-9]*.nupkg
dotnet pack src/MediaGraph -c Release -o artifacts -nologo -v quiet
nupkg=$(only_package artifacts/MediaGraph.[0-9]*.nupkg)
version=${nupkg#artifacts/MediaGraph.}
version=${version%.nupkg}
echo "produced $nupkg (version $version, from the repository: $(git describe --tags --always --dirty 2>/dev/null || echo 'no git'))"
case "$version" in 0.1.0|1.0.0) fail "version $version is a hard-coded default, not the repository's";; esac

step "contents of $nupkg"
unzip -l "$nupkg" | awk 'NR > 3 && $4 != "" && $4 !~ /^-+$/ { print "  " $4 " (" $1 " bytes)" }'
unzip -l "$nupkg" | grep -q " $native\$" || fail "$native is not in the package"
unzip -l "$nupkg" | grep -q " lib/net10.0/MediaGraph.dll\$" || fail "lib/net10.0/MediaGraph.dll is not in the package"
echo "ok: $native and lib/net10.0/MediaGraph.dll are in the package"

work=$(mktemp -d /tmp/mediagraph-pack-check.XXXXXX)
trap 'rm -rf "$work"' EXIT
step "a throwaway app in $work referencing MediaGraph $version from $repo/artifacts"
# Its own packages folder, so a MediaGraph $version cached by an earlier run is never used instead of this package.
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

step "dotnet pack src/MediaGraph.Cli -c Release -o artifacts (the mediagraph .NET tool)"
rm -f artifacts/MediaGraph.Cli.[0-9]*.nupkg
dotnet pack src/MediaGraph.Cli -c Release -o artifacts -nologo -v quiet
toolpkg=$(only_package artifacts/MediaGraph.Cli.[0-9]*.nupkg)
[ "$toolpkg" = "artifacts/MediaGraph.Cli.$version.nupkg" ] || fail "the tool package $toolpkg does not have the library's version $version"
for f in DotnetToolSettings.xml MediaGraph.Cli.dll MediaGraph.dll libmediagraph_native.so; do
  unzip -l "$toolpkg" | grep -q " tools/net10.0/linux-x64/$f\$" || fail "tools/net10.0/linux-x64/$f is not in $toolpkg"
done
echo "ok: $toolpkg carries the tool, MediaGraph.dll and libmediagraph_native.so (found next to the tool's dll)"
# ReadyToRun: precompiled code makes the tool's MediaGraph.dll much larger than the IL-only one in the library package.
size_of() { unzip -l "$1" "$2" | awk -v p="$2" '$4 == p { print $1 }'; }
il=$(size_of "$nupkg" lib/net10.0/MediaGraph.dll); r2r=$(size_of "$toolpkg" tools/net10.0/linux-x64/MediaGraph.dll)
[ "$r2r" -gt $((il * 3 / 2)) ] || fail "the tool's MediaGraph.dll ($r2r bytes) is not ReadyToRun (the IL-only one has $il bytes)"
echo "ok: the tool's MediaGraph.dll is ReadyToRun ($r2r bytes; IL only: $il)"

step "dotnet tool install --tool-path $work/tool --add-source artifacts MediaGraph.Cli --version $version"
# NUGET_PACKAGES: the same throwaway packages folder, so no cached MediaGraph.Cli of this version stands in.
NUGET_PACKAGES="$work/packages" dotnet tool install --tool-path "$work/tool" --add-source "$repo/artifacts" MediaGraph.Cli --version "$version"
tool_version=$("$work/tool/mediagraph" --version)
echo "mediagraph --version: $tool_version"
[ "${tool_version%%+*}" = "$version" ] || fail "the installed tool says $tool_version, expected $version+<commit>"

step "mediagraph doctor (the installed tool)"
"$work/tool/mediagraph" doctor || fail "mediagraph doctor failed in the installed tool"

step "mediagraph transcode (the installed tool)"
"$work/tool/mediagraph" transcode "$work/in.mpg" "$work/out_tool.mp4" --scale 320x180 --preset veryfast
check_output "$work/out_tool.mp4"

printf '\npack-check: OK (%s, %s)\n' "$nupkg" "$toolpkg"
