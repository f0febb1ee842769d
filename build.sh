#!/usr/bin/env bash
# Thin bootstrapper: every target lives in the C# build program (build/Vigil.Build).
# Usage: ./build.sh [build|test|demo|bench NAME|publish-agent [--rid RID]|package-agent [--rid RID]|size-report|cross-check|help]
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET SDK is required (https://learn.microsoft.com/dotnet/core/install/linux-debian)." >&2
  exit 1
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet build build/Vigil.Build/Vigil.Build.csproj -c Release -v quiet -nologo -clp:ErrorsOnly -o artifacts/build-tool >/dev/null \
  || dotnet build build/Vigil.Build/Vigil.Build.csproj -c Release -nologo -o artifacts/build-tool
exec dotnet artifacts/build-tool/Vigil.Build.dll "$@"
