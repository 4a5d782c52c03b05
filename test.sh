#!/usr/bin/env bash
# Installs what is missing, then runs every test (the README's test command): the .NET tests and the native
# shim's C smoke tests, then the fuzz regression run.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup.sh
dotnet test MediaGraph.sln -c Release "$@"
cmake --build native/build -j 2 > /dev/null   # dotnet build made the library; this adds the C smoke programs
ctest --test-dir native/build --output-on-failure
native/fuzz/run.sh   # the fuzz regression set: clang + ASan + UBSan over a deterministic set of damaged files
