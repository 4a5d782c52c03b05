#!/usr/bin/env bash
# Installs what is missing, then runs every test (the README's test command).
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup.sh
dotnet test MediaGraph.sln -c Release "$@"
