#!/usr/bin/env bash
# A runnable `slot` for this machine: publishes the CLI for the current platform only (framework-dependent, so it
# needs the .NET 10 runtime; only this platform's native libraries, about 500 MB on linux-x64 instead of the
# 1.2 GB of every platform's that a plain build copies) into out/, and links ./slot to out/slot.
# Usage: ./publish.sh [RID]   (default: the SDK's own runtime identifier, e.g. linux-x64)
set -euo pipefail
cd "$(dirname "$0")"
rid="${1:-$(dotnet --info | awk '/RID:/ { print $2; exit }')}"
dotnet publish src/SlotSharp.Cli -c Release -r "$rid" --self-contained false -o out
ln -sfn out/slot slot
echo "./slot -> out/slot ($rid, $(du -sh out | cut -f1))"
