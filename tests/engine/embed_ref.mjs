// llama.cpp's embedding of each line of a JSONL file of strings (node-llama-cpp's embedding context, from the
// peer's packages): the reference for tests/engine/embed_parity_test.cpp.
//   node embed_ref.mjs MODEL.gguf TEXTS.jsonl  → one JSON array of vectors on stdout
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const peerCache = process.env.PEER_CACHE || "/tmp/peer-cache";
const pkgDir = path.join(peerCache, "node_modules", "node-llama-cpp");
const pj = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
const entry = pj.module || pj.exports?.["."]?.import || pj.main;
const nlc = await import(pathToFileURL(path.join(pkgDir, typeof entry === "string" ? entry : entry.default)).href);

const [modelPath, textsPath] = process.argv.slice(2);
const llama = await nlc.getLlama({ gpu: false, build: "never", skipDownload: true, usePrebuiltBinaries: true,
                                   progressLogs: false, logLevel: nlc.LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: path.resolve(modelPath), gpuLayers: 0 });
const ctx = await model.createEmbeddingContext({ contextSize: 512, threads: 2 });
const out = [];
for (const line of fs.readFileSync(textsPath, "utf8").split("\n")) {
  if (line.trim() === "") continue;
  out.push(Array.from((await ctx.getEmbeddingFor(JSON.parse(line))).vector));
}
fs.writeFileSync(1, JSON.stringify(out));
process.exit(0);
