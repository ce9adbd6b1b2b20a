// Talks to `llmforge serve` with the official openai npm client: chat (plain and
// streamed), completions (plain and streamed), models, and an error. Exits non-zero
// with a message on the first mismatch.
// Usage: node openai_client.js BASE_URL [PACKAGE], PACKAGE being the folder under
// tests/reference/node_modules that holds the client ("openai", the 4.x line most
// code uses, by default; "openai-v7" for the current major).
"use strict";
const path = require("path");
const pkg = require(path.join(__dirname, "../reference/node_modules", process.argv[3] || "openai"));
const OpenAI = pkg.OpenAI || pkg.default;

function check(cond, what) {
  if (!cond) {
    console.error("FAIL: " + what);
    process.exit(1);
  }
}

async function main() {
  const client = new OpenAI({ baseURL: process.argv[2], apiKey: "unused", maxRetries: 0, timeout: 60000 });
  const models = await client.models.list();
  check(models.data.length === 1 && models.data[0].object === "model", "models list");
  const model = models.data[0].id;
  const messages = [{ role: "system", content: "You are terse." }, { role: "user", content: "hello world" }];

  const full = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 20 });
  check(full.object === "chat.completion", "chat object");
  const text = full.choices[0].message.content;
  check(typeof text === "string", "chat content");
  check(["stop", "length"].includes(full.choices[0].finish_reason), "finish_reason");
  check(full.usage.completion_tokens > 0, "usage");

  const stream = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 20, stream: true });
  let streamed = "", chunks = 0, finish = null;
  for await (const chunk of stream) {
    chunks++;
    const c = chunk.choices[0];
    if (c.delta.content) streamed += c.delta.content;
    if (c.finish_reason) finish = c.finish_reason;
  }
  check(chunks >= 2, "several chunks");
  check(streamed === text, `streamed text equals plain text: ${JSON.stringify(streamed)} vs ${JSON.stringify(text)}`);
  check(finish === full.choices[0].finish_reason, "streamed finish_reason");

  const comp = await client.completions.create({ model, prompt: "the cat", max_tokens: 10, temperature: 0 });
  check(comp.object === "text_completion" && typeof comp.choices[0].text === "string", "completion");
  const cstream = await client.completions.create({ model, prompt: "the cat", max_tokens: 10, temperature: 0, stream: true });
  let ctext = "";
  for await (const chunk of cstream) ctext += chunk.choices[0] ? chunk.choices[0].text : "";
  check(ctext === comp.choices[0].text, "streamed completion equals plain completion");

  let status = 0;
  try {
    await client.chat.completions.create({ model, messages, temperature: 9 });
  } catch (e) {
    status = e.status;
    check(e.error && e.error.param === "temperature", "error object names the field");
  }
  check(status === 400, "bad temperature gives 400");
  // Several streams in a row on the client's kept-alive connections: the end of one
  // stream must leave the connection reusable (or closed cleanly) for the next.
  for (let i = 0; i < 6; i++) {
    const again = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 5, stream: true });
    let n = 0;
    for await (const chunk of again) n++;
    check(n >= 2, "repeated stream " + i);
  }
  console.log("openai client: ok (" + chunks + " chunks, node " + process.version + ")");
}

main().catch((e) => {
  console.error("FAIL: " + (e.stack || e));
  process.exit(1);
});
