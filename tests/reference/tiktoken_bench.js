// Encode throughput of the npm `tiktoken` package (WASM build of OpenAI's Rust core),
// for bench/tokenizer: node tiktoken_bench.js ENCODING < texts.json
// texts.json is a JSON array of strings; prints {"seconds", "cpu_seconds", "bytes",
// "tokens"} (cpu_seconds: process CPU time, which on a shared machine is steadier).
"use strict";
const { get_encoding } = require("tiktoken");

const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", () => {
  const texts = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const enc = get_encoding(process.argv[2]);
  let bytes = 0;
  for (const t of texts) bytes += Buffer.byteLength(t, "utf8");
  enc.encode_ordinary("warm up");
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  let tokens = 0;
  for (const t of texts) tokens += enc.encode_ordinary(t).length;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  const cpu_seconds = (used.user + used.system) / 1e6;
  enc.free();
  process.stdout.write(JSON.stringify({ seconds, cpu_seconds, bytes, tokens }));
});
