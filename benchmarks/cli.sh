# Sourced by the side-by-side scripts: sets $mg to the mediagraph CLI as it ships, a Native AOT executable (start-up
# like a C program; a JIT-ed start costs 0.05 s more CPU, 0.2 s of wall-clock under load: README, "Start-up"), published into
# "$work/cli". MG_CLI=path overrides it, e.g. the framework-dependent build or an older commit's CLI.
mg=${MG_CLI:-}
if [ -z "$mg" ]; then
  echo "publishing the mediagraph CLI (Release, Native AOT)"
  dotnet publish src/MediaGraph.Cli -c Release -r linux-x64 -p:PublishAot=true -o "$work/cli" -v quiet -nologo > "$work/build.log" 2>&1 \
    || { cat "$work/build.log"; exit 1; }
  mg=$work/cli/MediaGraph.Cli
fi
[ -x "$mg" ] || { echo "no CLI binary at $mg" >&2; exit 1; }
