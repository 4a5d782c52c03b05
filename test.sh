#!/usr/bin/env bash
# Installs what is missing, then runs every test (the README's test command): the .NET tests and the native
# shim's C smoke tests, then the fuzz regression run.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup.sh
# -m:1: the test projects one after the other; the broker tests start servers and worker processes, and beside the
# core suite's timing tests on two cores they would make those measure the load instead of the code.
dotnet test MediaGraph.sln -c Release -m:1 "$@"
cmake --build native/build -j 2 > /dev/null   # dotnet build made the library; this adds the C smoke programs
ctest --test-dir native/build --output-on-failure
native/fuzz/run.sh   # the fuzz regression set: clang + ASan + UBSan over a deterministic set of damaged files
scripts/gpu-check.sh bundle   # builds the GPU bundle (FFmpeg cached in ~/.cache/mediagraph) and runs its check program on cuda-sim
