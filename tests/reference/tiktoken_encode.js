// Reference encoder for the tokenizer tests and benchmark: the npm `tiktoken`
// package (WASM build of OpenAI's Rust tiktoken).
//   node tiktoken_encode.js < request.json > ids.json
// request: {"encoding": "cl100k_base", "texts": ["...", ...],
//           "allowed_special": "all" | [..] (optional)}
// output:  [[ids of text 0], [ids of text 1], ...]
// Texts that are not valid UTF-8 cannot be sent through JSON; callers pick valid text.
"use strict";
const { get_encoding } = require("tiktoken");

const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", () => {
  const request = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const enc = get_encoding(request.encoding);
  const allowed = request.allowed_special || [];
  const out = request.texts.map((t) => Array.from(enc.encode(t, allowed, [])));
  enc.free();
  process.stdout.write(JSON.stringify(out));
});
