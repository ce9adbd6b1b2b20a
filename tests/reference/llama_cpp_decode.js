// Decode speed of llama.cpp through node-llama-cpp on a GGUF file, measured as
// `llmforge generate` reports it: batch 1, a short prompt prefilled, then N greedy
// tokens timed. node-llama-cpp's addon adds per-token JavaScript overhead, so this is
// a lower bound for llama.cpp (llama-bench is the speed peer, issue 18).
//   node llama_cpp_decode.js FILE.gguf [tokens=128] [threads=2]
"use strict";

async function main() {
  const [file, n = "128", threads = "2"] = process.argv.slice(2);
  const { getLlama } = await import("node-llama-cpp");
  const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
  const model = await llama.loadModel({ modelPath: file });
  const context = await model.createContext({ contextSize: 512, batchSize: 512, threads: Number(threads) });
  const seq = context.getSequence();
  const prompt = [model.tokens.bos, ...model.tokenize("the cat sat on the mat", false)];
  let count = 0, start = 0;
  for await (const t of seq.evaluate(prompt, { temperature: 0, yieldEogToken: true })) {
    if (count === 0) start = performance.now();  // first token = prefill
    if (++count > Number(n)) break;
  }
  const s = (performance.now() - start) / 1000;
  process.stdout.write(`${file}: ${count - 1} tokens decoded in ${s.toFixed(3)} s (${((count - 1) / s).toFixed(1)} tok/s)\n`);
  await context.dispose();
  await model.dispose();
  await llama.dispose();
}
main().catch((e) => { process.stderr.write(String(e && e.stack || e) + "\n"); process.exit(1); });
