#!/usr/bin/env pwsh
# Thin bootstrapper: every target lives in the C# build program (build/Vigil.Build).
# Usage: ./build.ps1 [build|test|demo|bench NAME|publish-agent [--rid RID]|package-agent [--rid RID]|size-report|cross-check|help]
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot
if (-not (Get-Command dotnet -ErrorAction SilentlyContinue)) {
    Write-Error 'The .NET SDK is required (https://learn.microsoft.com/dotnet/core/install/).'
    exit 1
}
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
dotnet build build/Vigil.Build/Vigil.Build.csproj -c Release -v quiet -nologo -clp:ErrorsOnly -o artifacts/build-tool | Out-Null
if ($LASTEXITCODE -ne 0) {
    dotnet build build/Vigil.Build/Vigil.Build.csproj -c Release -nologo -o artifacts/build-tool
    exit $LASTEXITCODE
}
dotnet artifacts/build-tool/Vigil.Build.dll @args
exit $LASTEXITCODE
