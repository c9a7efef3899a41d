#!/usr/bin/env bash
# SlotSharp's llama.cpp path against llama.cpp's own llama-bench on the same GGUF files, rounds interleaved
# (docs/benchmarks.md, "SLOT math without libtorch"). Prints one block per round and file.
#
#   bench/llamacpp-compare.sh SLOT_DLL TOOLS_DIRS ROUNDS THREADS FILE...
#
# SLOT_DLL    a published slot.dll (dotnet publish src/SlotSharp.Cli -c Release -o DIR)
# TOOLS_DIRS  colon-separated llama.cpp build folders holding bin/llama-bench (e.g. LLamaSharp's flags:native builds)
# llama-bench runs with flash attention off as SlotSharp runs llama.cpp (docs/backends.md; its F32 KV cache llama-bench
# cannot set: at 160 positions the KV cache is 1% of the bytes a token reads), twice:
# with llama.cpp's default OpenMP waits and with OMP_WAIT_POLICY set to the wait SlotSharp's llama.cpp threads use
# ($SLOT_OMP_WAIT, default PASSIVE, SlotSharp's default). SlotSharp runs twice too: its default (passive) and
# --omp-wait spin-then-sleep (libgomp's default, what llama-bench's "default" runs). Peak RSS from /usr/bin/time.
set -euo pipefail
slot=$1; tools=$2; rounds=$3; threads=$4; shift 4
policy=${SLOT_OMP_WAIT:-PASSIVE}
prompt=$(python3 -c 'import random; random.seed(1); print(",".join(str(random.randint(1000, 100000)) for _ in range(128)))')
rss() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1; }
for round in $(seq 1 "$rounds"); do
  for file in "$@"; do
    echo "=== round $round: $(basename "$file"); load average $(cut -d' ' -f1-3 /proc/loadavg)"
    IFS=: read -ra dirs <<< "$tools"
    for dir in "${dirs[@]}"; do
      for env in default "$policy"; do
        if [ "$env" = default ]; then e=(env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT); else e=(env OMP_WAIT_POLICY="$env"); fi
        out=$("${e[@]}" LD_LIBRARY_PATH="$dir/bin" /usr/bin/time -f 'maxrss_kb %M' "$dir/bin/llama-bench" -m "$file" -t "$threads" -p 128 -n 32 -r 3 -fa off -o csv 2>&1)
        echo "$out" | awk -F, -v tag="llama-bench $(basename "$dir") waits=$env" '/^"build_commit"/ {next} /n_prompt/ {next} /"128","0"/ || /"0","32"/ {gsub(/"/,""); print tag ": " ($0 ~ /,128,0,/ ? "pp128" : "tg32") " " $(NF-1) " tokens/s"}'
        echo "$out" | grep maxrss_kb | sed "s/^/llama-bench $(basename "$dir") waits=$env /"
      done
    done
    dotnet "$slot" bench gguf --model "$file" --parts single --threads "$threads" --prompt-tokens 128 --decode-tokens 32 \
      --slot-prompt-tokens 64,300 --slot-staged 1,4 2>&1 | grep -v '^llama.cpp:' | sed 's/^/slotsharp: /'
    dotnet "$slot" bench gguf --model "$file" --parts single --threads "$threads" --prompt-tokens 128 --decode-tokens 32 \
      --slot-prompt-tokens 64 --slot-staged 1 --omp-wait spin-then-sleep 2>&1 | grep -v '^llama.cpp:' | grep -v 'SLOT prompt stage' | sed 's/^/slotsharp spin-then-sleep: /'
    for times in 0 5; do
      echo "slotsharp generate times=$times maxrss_kb $(rss dotnet "$slot" generate --model "$file" --prompt-ids "$prompt" --max-new-tokens 32 --threads "$threads" --times "$times")"
    done
  done
done
