#!/usr/bin/env bash
# The engine's speed table against llama.cpp, measured in one run on this machine (issue: decode ≥ 1.1×
# llama.cpp or ≥ 90 % of the bandwidth bound, prefill ≥ 1.0×):
#   Llama-3.2-1B-shaped random-weight models (corral-testmodel, the shape of mkgguf's llama3.2-1b preset) in
#   F16, Q8_0 and Q4_K_M; prefill pp512 and decode tg128 at 2 threads; decode at depth 4096; peak resident
#   memory. corral and llama.cpp (../shared/peer llbench) alternate repetition by repetition, membw (the
#   decode bound's bandwidth, median) measured before each pair, so drift hits both; medians are reported.
#
#   bench/compare_llama.sh [BUILD_DIR (default build/release)] [MODEL_DIR (default /tmp/corral-1b)]
# Env: TYPES="f16 Q8_0 Q4_K_M" THREADS=2 REPS=3 DEPTH=4096 DEPTH_TYPES="Q4_K_M" DEPTH_REPS=1 (each depth
# repetition first fills 4,096 positions, about a minute per engine at 2 threads); MMAP=0|1 passes corral
# bench --mmap (unset: the loader's default, the weights copied into huge pages)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
models=${2:-/tmp/corral-1b}
peer_cache=${PEER_CACHE:-/tmp/peer-cache}
types=${TYPES:-f16 Q8_0 Q4_K_M}
threads=${THREADS:-2}
reps=${REPS:-3}
depth=${DEPTH:-4096}
depth_types=${DEPTH_TYPES:-Q4_K_M}
depth_reps=${DEPTH_REPS:-1}
mmap=(${MMAP:+--mmap "$MMAP"})
corral=$build/bin/corral
testmodel=$build/bin/corral-testmodel
llbench=$peer_cache/bin/llbench
vocab=${CORRAL_TESTDATA:-$root/build/testdata}/models/ggml-vocab-llama-bpe.gguf
mkdir -p "$models"
[[ -x $llbench ]] || bash "$root/../shared/peer/setup.sh" >/dev/null

for t in $types; do
  f=$models/l1b-$t.gguf
  [[ -f $f ]] && continue
  if [[ $t == f16 ]]; then q=(--dtype f16); else q=(--ftype "$t"); fi
  "$testmodel" --vocab "$vocab" --dim 2048 --layers 16 --heads 32 --kv-heads 8 --ffn 8192 --tied --ctx 131072 \
    --rope-base 500000 --rope-scaling llama3:32 --name "random Llama-3.2-1B shape" --seed 1 "${q[@]}" --out "$f" >&2
done

# peak RSS (bytes) of a command, its stdout to $out
rss() { local out=$1; shift; /usr/bin/time -f '%M' -o "$out.rss" "$@" > "$out"; echo $(( $(cat "$out.rss") * 1024 )); }

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf '| type | weights MB | membw GB/s | pp512 llama | pp512 corral | × | tg128 llama | tg128 corral | × | corral / bound | tg@%d llama | tg@%d corral | × | RSS llama MB | RSS corral MB |\n' "$depth" "$depth"
printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
# membw's median read bandwidth (GB/s), for the decode bound
membw() {
  "$peer_cache/bin/membw" --threads "$threads" --size-mb 512 --reps 3 --json | node -e '
    const j = JSON.parse(require("fs").readFileSync(0, "utf8"));
    console.log(j.results.find((x) => x.kernel === "read").median_gbs);'
}

for t in $types; do
  f=$models/l1b-$t.gguf
  # One repetition at a time, the engines alternating and membw beside each pair: on a shared host the
  # bandwidth moves by 2x within minutes, and back-to-back blocks of repetitions would compare two machines.
  rl=0 rc=0 bws=""
  for i in $(seq "$reps"); do
    bws="$bws $(membw)"
    r=$(rss "$tmp/l$i.json" "$llbench" "$f" -t "$threads" -p 512 -n 128 -r 1 --json)
    if ((r > rl)); then rl=$r; fi
    r=$(rss "$tmp/c$i.json" "$corral" bench "$f" "${mmap[@]}" -t "$threads" -p 512 -n 128 -r 1 --json)
    if ((r > rc)); then rc=$r; fi
  done
  if [[ " $depth_types " == *" $t "* ]]; then
    "$llbench" "$f" -t "$threads" -p 0 -n 32 -r "$depth_reps" -d "$depth" --json > "$tmp/ld.json"
    "$corral" bench "$f" "${mmap[@]}" -t "$threads" -p 0 -n 32 -r "$depth_reps" -d "$depth" --json > "$tmp/cd.json"
  else
    echo '{"decode_tps": 0}' > "$tmp/ld.json"; cp "$tmp/ld.json" "$tmp/cd.json"
  fi
  node -e '
    const fs = require("fs"), rd = (p) => JSON.parse(fs.readFileSync(p, "utf8"));
    const [dir, bwList, type, rl, rc, reps] = process.argv.slice(1);
    const runs = (n) => Array.from({ length: Number(reps) }, (_, i) => rd(`${dir}/${n}${i + 1}.json`));
    const median = (v) => { const s = [...v].sort((a, b) => a - b); const m = s.length >> 1;
                            return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
    const ls = runs("l"), cs = runs("c"), [ld, cd] = ["ld", "cd"].map((n) => rd(`${dir}/${n}.json`));
    const l = { prefill_tps: median(ls.map((r) => r.prefill_tps)), decode_tps: median(ls.map((r) => r.decode_tps)) };
    const c = { prefill_tps: median(cs.map((r) => r.prefill_tps)), decode_tps: median(cs.map((r) => r.decode_tps)) };
    const bw = median(bwList.trim().split(/\s+/).map(Number)), mb = cs[0].model_bytes / 1e6;
    const bound = bw ? (bw * 1e3) / mb : NaN;
    const x = (a, b) => (a ? (b / a).toFixed(2) : "");
    console.log(`| ${type} | ${mb.toFixed(0)} | ${bw.toFixed(1)} | ${l.prefill_tps.toFixed(1)} | ${c.prefill_tps.toFixed(1)} | ${x(l.prefill_tps, c.prefill_tps)} | ` +
      `${l.decode_tps.toFixed(2)} | ${c.decode_tps.toFixed(2)} | ${x(l.decode_tps, c.decode_tps)} | ${(100 * c.decode_tps / bound).toFixed(0)} % | ` +
      `${ld.decode_tps ? ld.decode_tps.toFixed(2) : ""} | ${cd.decode_tps ? cd.decode_tps.toFixed(2) : ""} | ${x(ld.decode_tps, cd.decode_tps)} | ` +
      `${(Number(rl) / 1e6).toFixed(0)} | ${(Number(rc) / 1e6).toFixed(0)} |`);
  ' "$tmp" "$bws" "$t" "$rl" "$rc" "$reps"
done
