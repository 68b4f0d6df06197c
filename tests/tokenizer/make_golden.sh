#!/usr/bin/env bash
# Regenerates tests/tokenizer/golden/<vocab>.json: llama.cpp's tokenization (through ../shared/peer/ref.mjs,
# node-llama-cpp's prebuilt libllama) of every text in golden/texts.jsonl, for each vocab GGUF of the test
# data. llama.cpp will not load a vocab-only GGUF, so each vocab first goes into a tiny random-weight model
# (corral-testmodel), whose tokenizer keys are the vocab's own.
#
#   tests/tokenizer/make_golden.sh BUILD_DIR        (BUILD_DIR holds bin/corral-testmodel)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:?usage: make_golden.sh BUILD_DIR}"
peer="${CORRAL_PEER_DIR:-$root/../shared/peer}"
export PEER_CACHE="${PEER_CACHE:-/tmp/peer-cache}"
models="${CORRAL_TESTDATA:-$root/build/testdata}/models"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

vocabs=(llama-bpe llama-spm qwen2 qwen35 gpt-2 deepseek-llm deepseek-coder falcon starcoder refact command-r mpt
        phi-3 gemma-4 bert-bge)
for vocab in "${vocabs[@]}"; do
  # WordPiece gets the shared texts plus its own (case, accents, marks, control characters, CJK, [UNK]).
  texts="$here/golden/texts.jsonl"
  if [[ $vocab == bert-* ]]; then
    cat "$here/golden/texts.jsonl" "$here/golden/wpm_texts.jsonl" > "$tmp/texts.jsonl"
    texts="$tmp/texts.jsonl"
  fi
  "$build/bin/corral-testmodel" --vocab "$models/ggml-vocab-$vocab.gguf" --out "$tmp/$vocab.gguf" \
    --dim 64 --layers 1 --heads 1 --kv-heads 1 --ffn 64 --dtype f32 > /dev/null
  node "$peer/ref.mjs" tokenize --model "$tmp/$vocab.gguf" --text-file "$texts" --jsonl \
    > "$tmp/$vocab.json"
  # The model path is a temporary file: record the vocab instead.
  sed "s|\"model\": \".*\"|\"model\": \"ggml-vocab-$vocab.gguf\"|" "$tmp/$vocab.json" > "$here/golden/$vocab.json"
  rm -f "$tmp/$vocab.gguf"
  echo "golden/$vocab.json"
done
