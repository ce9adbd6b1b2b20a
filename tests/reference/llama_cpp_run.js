// Reference runner for GGUF tests: loads a GGUF file in llama.cpp through the npm
// package node-llama-cpp (its prebuilt CPU binaries; nothing is downloaded or built)
// and answers one request read as JSON from stdin:
//   {"model": "x.gguf",
//    "greedy":   [{"prompt": "text", "n": 16}],        -> BOS + llama.cpp's tokens of the
//                                                          prompt, then n greedy tokens
//    "tokenize": ["text", ...],                        -> ids, special tokens as text
//    "teacher":  [{"tokens": [...], "from": k}],       -> softmax of the next-token logits
//                                                          after tokens[0..i], i >= k-1
//    "chat":     [{"system": "...", "user": "...", "max_tokens": 24}]}  -> the reply and the
//                tokens in the context after it, through LlamaChatSession with the
//                file's own Jinja chat template
// and writes {"greedy": [{"prompt_tokens": [...], "tokens": [...]}], "tokenize": [[...]],
// "teacher": [[[p0, p1, ...], ...]],
// "chat": [{"reply": "text", "context_tokens": [...]}], "llama_cpp": "<build info>"}.
"use strict";

async function main() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const req = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const { getLlama, LlamaChatSession, JinjaTemplateChatWrapper } = await import("node-llama-cpp");
  // build "never": use the prebuilt binaries from npm, never download or compile.
  const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
  const model = await llama.loadModel({ modelPath: req.model, useMmap: false });
  const out = { greedy: [], tokenize: [], teacher: [], chat: [],
                llama_cpp: llama.llamaCppRelease ? JSON.stringify(llama.llamaCppRelease) : "" };
  // One thread: ggml's worker threads spin while waiting, which on a busy 2-core machine
  // slows tiny models down severalfold (correctness runs, not speed runs).
  // llama.cpp keeps its KV cache in f16 by default; ours is f32, and f32 is what parity means.
  const newContext = () => model.createContext({ contextSize: 256, batchSize: 256, threads: 1, sequences: 1,
    experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32" });

  for (const text of req.tokenize || []) out.tokenize.push(Array.from(model.tokenize(text, false)));

  for (const g of req.greedy || []) {
    const context = await newContext();
    const seq = context.getSequence();
    const prompt = [model.tokens.bos, ...model.tokenize(g.prompt, false)];
    const tokens = [];
    for await (const t of seq.evaluate(prompt, { temperature: 0, yieldEogToken: true })) {
      tokens.push(t);
      if (tokens.length >= g.n) break;
    }
    out.greedy.push({ prompt_tokens: Array.from(prompt), tokens });
    await context.dispose();
  }

  for (const t of req.teacher || []) {
    const context = await newContext();
    const seq = context.getSequence();
    const dists = [];
    const first = t.tokens.slice(0, t.from);
    // Full softmax at temperature 1 (no top-k/top-p/min-p): the model's distribution.
    const gen = seq.evaluateWithMetadata(first, { probabilities: true },
                                         { temperature: 1, topK: 0, topP: 1, minP: 0, yieldEogToken: true });
    let i = t.from;
    let step = await gen.next();
    while (!step.done) {
      const probs = step.value.probabilities;
      const n = model.fileInfo.metadata.tokenizer.ggml.tokens.length;
      const row = new Array(n).fill(0);
      for (const [tok, prob] of probs) row[tok] = prob;
      dists.push(row);
      if (i >= t.tokens.length) break;
      step = await gen.next(t.tokens[i++]);  // teacher forcing: feed our token
    }
    await gen.return();
    out.teacher.push(dists);
    await context.dispose();
  }

  for (const c of req.chat || []) {
    const context = await newContext();
    const template = model.fileInfo.metadata.tokenizer.chat_template;
    const session = new LlamaChatSession({
      contextSequence: context.getSequence(),
      chatWrapper: new JinjaTemplateChatWrapper({ template }),
      systemPrompt: c.system || undefined,
    });
    const seq = session.sequence;
    const reply = await session.prompt(c.user, { temperature: 0, maxTokens: c.max_tokens });
    out.chat.push({ reply, context_tokens: Array.from(seq.contextTokens) });
    await context.dispose();
  }
  await model.dispose();
  await llama.dispose();
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack || e) + "\n");
  process.exit(1);
});
