// Writes the parity golden files of tests/model/golden/: for each case, corral-testmodel writes the model
// (f16 directly; quantized types as f32 and then llama.cpp's own llama-quantize mixture), and llama.cpp
// (../shared/peer/ref.mjs greedy) records 32 greedy steps with top-5 probabilities for each prompt.
// The parity test rebuilds the same bytes with corral-testmodel --ftype (corral's quantizer; the testmodel
// parity test checks the files are identical) and must reproduce these tokens.
//
//   node tests/model/golden/make_golden.mjs --testmodel build/release/bin/corral-testmodel [--only llama-q4_k_m]
//   node tests/model/golden/make_golden.mjs --self-noise ...   writes nothing: for each case, how far llama.cpp
//       is from itself when the prompt goes token by token (--batch 1) instead of as one batch: the largest
//       top-5 |dp| and |dlogit| before the first near-tie. With quantized weights the activations are
//       quantized to 8 bits, and a last-bit difference in summation order that moves one value across a
//       rounding boundary changes everything after it; the parity test's tolerance for quantized types
//       comes from this measurement.
//   node tests/model/golden/make_golden.mjs --slow ...   the Llama-3.2-1B-shaped cases (files slow/*.json): a
//       2,100-token prompt and one of 8,178 tokens, so the 32 steps run from position 8,177 to 8,208, past
//       8,192. At that depth the random model's top-1 margins are small (median 0.57, 6 % below 0.05), so
//       most lengths meet a near-tie within a few steps; of the lengths 8,161-8,190, llama.cpp's F16 run on
//       8,178 tokens is clear for all 32 steps (smallest margin 0.11), where 8,200 started on a near-tie.
//       --lengths A,B,... tries other lengths.
//   node tests/model/golden/make_golden.mjs --slow --cross-build haswell,sandybridge,x64 [--model FILE] ...
//       writes no new steps: reruns each prompt of the existing golden files (one batch) on llama.cpp's builds
//       for other x86 CPUs (node-llama-cpp ships one libggml-cpu-<variant>.so per family and loads the best
//       one; here every other one is hidden) and records in the golden, as "cross_build", how far each build
//       is from the golden's own steps: the largest top-5 |dp| and |dlogit| before the first near-tie or
//       token difference. Each build sums in its own order, so with quantized weights this is llama.cpp's
//       own spread from one CPU to another, which the parity test takes as its bound where it exceeds the
//       tiny models' (the 1B case: 16 layers of 8-bit activation re-quantization, not 2). --model reuses a
//       model file (corral-testmodel --ftype writes the same bytes as llama-quantize).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../..");
const peer = process.env.CORRAL_PEER_DIR ?? path.resolve(root, "../shared/peer");
const testdata = process.env.CORRAL_TESTDATA ?? path.join(root, "build/testdata");

const args = process.argv.slice(2);
const opt = (name, def) => (args.includes(name) ? args[args.indexOf(name) + 1] : def);
const testmodel = opt("--testmodel", path.join(root, "build/release/bin/corral-testmodel"));
const only = opt("--only", null);
const steps = Number(opt("--n", 32));

// Tiny shapes (dim 256, so every K-quant block fits) that still exercise each architecture's quirks:
// llama with Llama 3 rope_freqs, qwen3 with head_dim != dim/heads, gemma3 with a sliding window shorter
// than the long prompt (layer 5 of 6 is global), phi3 with GQA through its fused qkv.
const ARCHS = {
  llama: { vocab: "ggml-vocab-llama-bpe.gguf",
           args: ["--arch", "llama", "--dim", "256", "--layers", "2", "--heads", "4", "--kv-heads", "2", "--ffn", "768",
                  "--rope-scaling", "llama3:8", "--seed", "11"] },
  qwen2: { vocab: "ggml-vocab-qwen2.gguf",
           args: ["--arch", "qwen2", "--dim", "256", "--layers", "2", "--heads", "4", "--kv-heads", "2", "--ffn", "768",
                  "--seed", "12"] },
  qwen3: { vocab: "ggml-vocab-qwen2.gguf",
           args: ["--arch", "qwen3", "--dim", "256", "--layers", "2", "--heads", "4", "--kv-heads", "2", "--head-dim", "128",
                  "--ffn", "768", "--tied", "--seed", "13"] },
  gemma3: { vocab: "ggml-vocab-llama-spm.gguf",
            args: ["--arch", "gemma3", "--dim", "256", "--layers", "6", "--heads", "4", "--kv-heads", "1", "--head-dim", "64",
                   "--ffn", "768", "--swa", "24", "--tied", "--seed", "14"] },
  phi3: { vocab: "ggml-vocab-phi-3.gguf",
          args: ["--arch", "phi3", "--dim", "256", "--layers", "2", "--heads", "4", "--kv-heads", "2", "--ffn", "768",
                 "--seed", "15"] },
};
const TYPES = ["F16", "Q8_0", "Q4_0", "Q4_K_M", "Q5_K_M", "Q6_K"];
const PROMPTS = [
  "Once upon a time",
  "def fibonacci(n):\n    if n < 2:\n        return n\n    return",
  "The history of the city begins in the twelfth century, when a small market grew up around the river " +
    "crossing. Merchants from the north brought wool and timber; those from the south brought wine, salt and " +
    "news. By the fifteenth century the town had a charter, a council of twelve and a bridge of stone.",
];

// The 1B shape of mkgguf's llama3.2-1b preset (Llama 3 rope scaling, tied embeddings).
const SLOW_ARCHS = {
  l1b: { vocab: "ggml-vocab-llama-bpe.gguf",
         args: ["--arch", "llama", "--dim", "2048", "--layers", "16", "--heads", "32", "--kv-heads", "8", "--ffn", "8192",
                "--tied", "--ctx", "131072", "--rope-base", "500000", "--rope-scaling", "llama3:32", "--seed", "1"] },
};
const SLOW_TYPES = ["F16", "Q4_K_M"];
const SLOW_LENGTHS = [2100, 8178];
// --lengths 8165,8170,...: other prompt lengths for --slow, to look for one whose run starts clear of a near-tie.
const slowLengths = opt("--lengths", null)?.split(",").map(Number) ?? SLOW_LENGTHS;

// Long prompts: the chat templates of the test data, one after another, tokenized by llama.cpp and cut to
// an exact token count (BOS first).
function longPromptIds(model, lengths) {
  const dir = path.join(testdata, "templates");
  let text = "";
  for (const f of fs.readdirSync(dir).sort()) {
    if (text.length > 60000) break;  // ~3.5 characters a token: enough for the longest prompt
    text += fs.readFileSync(path.join(dir, f), "utf8") + "\n";
  }
  const file = path.join(tmp, "long.jsonl");
  fs.writeFileSync(file, JSON.stringify(text) + "\n");
  const r = ref(["tokenize", "--model", model, "--text-file", file, "--jsonl"]);
  const ids = r.lines[0].ids;
  if (ids.length < Math.max(...lengths)) throw new Error(`only ${ids.length} tokens of template text`);
  return lengths.map((n) => ids.slice(0, n));
}

// One line per run keeps the files reviewable (and diffs small) without a line per number.
function formatGolden(golden) {
  const { runs, ...head } = golden;
  return JSON.stringify(head).slice(0, -1) + ',"runs":[\n' + runs.map((r) => JSON.stringify(r)).join(",\n") + "\n]}\n";
}

const slow = args.includes("--slow");
const selfNoise = args.includes("--self-noise");
const crossBuilds = opt("--cross-build", null)?.split(",");
const givenModel = opt("--model", null);

// Largest top-5 probability and logit differences between two greedy runs, up to the first near-tie or
// token difference.
function compareRuns(a, b) {
  let dp = 0, dlogit = 0, tokenDiff = null;
  const clear = Math.min(a.clear_prefix, b.clear_prefix);
  for (let i = 0; i < Math.min(clear, a.steps.length, b.steps.length); ++i) {
    if (a.steps[i].token !== b.steps[i].token) {
      tokenDiff = { step: i, margin: a.steps[i].margin };
      break;
    }
    const other = new Map(b.steps[i].top.map((t) => [t[0], t]));
    for (const [id, p, logit] of a.steps[i].top) {
      const t = other.get(id);
      if (!t) continue;
      dp = Math.max(dp, Math.abs(p - t[1]));
      dlogit = Math.max(dlogit, Math.abs(logit - t[2]));
    }
  }
  return { dp, dlogit, tokenDiff };
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "corral-golden-"));
const run = (cmd, argv) => execFileSync(cmd, argv, { encoding: "utf8", maxBuffer: 1 << 28 });
// ref.mjs exits right after printing; into a pipe, node may drop the end of a long document, into a file it
// writes synchronously.
let refCount = 0;
const ref = (argv, env = process.env) => {
  const out = path.join(tmp, `ref-${refCount++}.json`);
  execFileSync("sh", ["-c", 'node "$0" "$@" > "' + out + '"', path.join(peer, "ref.mjs"), ...argv], { env });
  return JSON.parse(fs.readFileSync(out, "utf8"));
};

// A peer cache (hard links, so no copy of its 650 MB) whose node-llama-cpp holds one CPU build: `variant`.
function variantCache(variant) {
  const cache = process.env.PEER_CACHE ?? "/tmp/peer-cache";
  const dir = path.join(tmp, `peer-${variant}`);
  if (fs.existsSync(dir)) return dir;
  run("cp", ["-al", cache, dir]);
  const bins = path.join(dir, "node_modules/@node-llama-cpp/linux-x64/bins/linux-x64");
  if (!fs.existsSync(path.join(bins, `libggml-cpu-${variant}.so`))) throw new Error(`no CPU build ${variant}`);
  for (const f of fs.readdirSync(bins)) {
    if (f.startsWith("libggml-cpu-") && f !== `libggml-cpu-${variant}.so`) fs.rmSync(path.join(bins, f));
  }
  return dir;
}

// The golden's runs against the same prompts on other CPU builds of llama.cpp.
function crossBuild(golden, model) {
  const results = [];
  golden.runs.forEach((g, index) => {
    for (const variant of crossBuilds) {
      const env = { ...process.env, PEER_CACHE: variantCache(variant) };
      const r = ref(["greedy", "--model", model, "--prompt-ids", g.prompt_ids.join(","), "--n", String(g.steps.length),
                     "--threads", "2"], env);
      if (!r.cpu_variant?.includes(variant)) throw new Error(`asked for ${variant}, llama.cpp loaded ${r.cpu_variant}`);
      const { dp, dlogit, tokenDiff } = compareRuns(g, r);
      const entry = { run: index, variant, dp: +dp.toFixed(4), dlogit: +dlogit.toFixed(4),
                      steps_equal: tokenDiff ? tokenDiff.step : Math.min(g.clear_prefix, r.clear_prefix) };
      console.log(`${golden.case} run ${index} on ${variant}: ${JSON.stringify(entry)}`);
      results.push(entry);
    }
  });
  return { builds: results, dp: Math.max(...results.map((e) => e.dp)), dlogit: Math.max(...results.map((e) => e.dlogit)) };
}
try {
  const outDir = slow ? path.join(here, "slow") : here;
  fs.mkdirSync(outDir, { recursive: true });
  for (const [arch, a] of Object.entries(slow ? SLOW_ARCHS : ARCHS)) {
    const vocab = path.join(testdata, "models", a.vocab);
    const f32 = path.join(tmp, `${arch}-f32.gguf`);
    let madeF32 = false;
    for (const type of slow ? SLOW_TYPES : TYPES) {
      const name = `${arch}-${type.toLowerCase()}`;
      if (only && only !== name) continue;
      if (crossBuilds) {
        if (type === "F16") continue;  // f16 keeps activations in float: nothing to re-quantize
        const file = path.join(outDir, `${name}.json`);
        const golden = JSON.parse(fs.readFileSync(file, "utf8"));
        let model = givenModel;
        if (!model) {
          model = path.join(tmp, `${name}.gguf`);
          run(testmodel, ["--vocab", vocab, ...a.args, "--ftype", type, "--out", model]);
        }
        golden.cross_build = crossBuild(golden, model);
        fs.writeFileSync(file, formatGolden(golden));
        continue;
      }
      const model = path.join(tmp, `${name}.gguf`);
      if (type === "F16") {
        run(testmodel, ["--vocab", vocab, ...a.args, "--dtype", "f16", "--out", model]);
      } else {
        if (!madeF32) run(testmodel, ["--vocab", vocab, ...a.args, "--dtype", "f32", "--out", f32]);
        madeF32 = true;
        run(path.join(peer, "quantize"), ["--quiet", f32, model, type]);
      }
      const prompts = slow ? longPromptIds(model, slowLengths).map((ids) => ({ ids })) : PROMPTS.map((text) => ({ text }));
      const runs = prompts.map((p) => {
        const input = p.text !== undefined ? ["--prompt", p.text] : ["--prompt-ids", p.ids.join(",")];
        const r = ref(["greedy", "--model", model, ...input, "--n", String(steps), "--threads", "2"]);
        if (selfNoise) {
          const one = ref(["greedy", "--model", model, ...input, "--n", String(steps), "--threads", "2", "--batch", "1"]);
          const { dp, dlogit, tokenDiff } = compareRuns(r, one);
          console.log(`${name} prompt ${r.prompt_ids.length} tokens: llama.cpp batch vs token by token: ` +
                      `max |dp| ${dp.toFixed(4)}, max |dlogit| ${dlogit.toFixed(4)}` +
                      (tokenDiff ? `, tokens differ at step ${tokenDiff.step} (margin ${tokenDiff.margin.toFixed(3)})` : ""));
        }
        return { prompt: p.text ?? null, prompt_ids: r.prompt_ids, tokens: r.tokens, clear_prefix: r.clear_prefix,
                 steps: r.steps.map((s) => ({ token: s.token, top: s.top, margin: s.margin })) };
      });
      const golden = { case: name, vocab: a.vocab, testmodel: a.args, dtype: type === "F16" ? "f16" : null,
                       ftype: type === "F16" ? null : type, llama_cpp: "node-llama-cpp 3.22.1 (llama.cpp v0.5.0), CPU",
                       runs };
      if (!selfNoise) fs.writeFileSync(path.join(outDir, `${name}.json`), formatGolden(golden));
      console.log(`${name}: clear_prefix ${runs.map((r) => r.clear_prefix).join(", ")}`);
      fs.rmSync(model, { force: true });
    }
    fs.rmSync(f32, { force: true });
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
