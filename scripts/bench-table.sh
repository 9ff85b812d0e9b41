#!/usr/bin/env bash
# Makes `make bench`'s table from the rows its benchmarks appended to the
# file named in $1 (tab-separated: figure, ours, baseline, ratio, target),
# prints it and writes it to docs/benchmarks.md with the machine and date.
set -euo pipefail
rows=${1:?the file of rows}
out=${2:-docs/benchmarks.md}
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || true)
memory=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
{
  echo "# Benchmarks"
  echo
  echo "Written by \`make bench\` on $(date -u +%Y-%m-%d) (release build), on a machine of"
  echo "$(nproc) cores (${cpu:-unknown CPU}), ${memory} of memory, $(uname -sr)."
  echo "Each figure is measured beside its baseline in the same run, so the ratio"
  echo "holds on a noisy machine; the ratio is ours divided by the baseline's, in"
  echo "the figure's own unit. Nothing here is asserted by \`make test\`."
  echo
  echo "| figure | ours | baseline | ratio | target |"
  echo "|---|---|---|---|---|"
  awk -F '\t' 'NF == 5 { printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5 }' "$rows"
} > "$out"
cat "$out"
