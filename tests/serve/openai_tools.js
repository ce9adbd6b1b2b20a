// The official openai npm client's tool-calling flow against `llmforge serve` with a
// model fine-tuned to call search (tests/serve/tool_model.h): the model asks for a
// tool call (plain and streamed), the client runs its own "search" function and sends
// the result back as a "tool" message, and the model answers from it.
// Usage: node openai_tools.js BASE_URL [PACKAGE] (PACKAGE: "openai" or "openai-v7").
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

const tools = [{
  type: "function",
  function: {
    name: "search",
    description: "Full-text search of web pages",
    parameters: { type: "object", properties: { query: { type: "string" } }, required: ["query"] },
  },
}];

// The client's own implementation of the tool.
function search(args) {
  check(args.query === "Kenji Marsh", "the model searched for the name: " + JSON.stringify(args));
  return "Kenji Marsh was born in Lisbon.";
}

async function main() {
  const client = new OpenAI({ baseURL: process.argv[2], apiKey: "unused", maxRetries: 0, timeout: 60000 });
  const model = (await client.models.list()).data[0].id;
  const messages = [{ role: "user", content: "Where was Kenji Marsh born?" }];

  const first = await client.chat.completions.create({ model, messages, tools, temperature: 0, max_tokens: 200 });
  const choice = first.choices[0];
  check(choice.finish_reason === "tool_calls", "finish_reason tool_calls, got " + choice.finish_reason);
  const calls = choice.message.tool_calls;
  check(Array.isArray(calls) && calls.length === 1, "one tool call");
  check(calls[0].type === "function" && calls[0].function.name === "search", "a search call");

  // Streamed: the call arrives as tool_calls deltas, accumulated by index.
  const stream = await client.chat.completions.create({ model, messages, tools, temperature: 0, max_tokens: 200, stream: true });
  const acc = [];
  let finish = null;
  for await (const chunk of stream) {
    const c = chunk.choices[0];
    if (!c) continue;
    for (const d of c.delta.tool_calls || []) {
      acc[d.index] = acc[d.index] || { id: "", name: "", arguments: "" };
      if (d.id) acc[d.index].id = d.id;
      if (d.function && d.function.name) acc[d.index].name += d.function.name;
      if (d.function && d.function.arguments) acc[d.index].arguments += d.function.arguments;
    }
    if (c.finish_reason) finish = c.finish_reason;
  }
  check(finish === "tool_calls", "streamed finish_reason tool_calls, got " + finish);
  check(acc.length === 1 && acc[0].name === "search", "streamed call");
  check(acc[0].arguments === calls[0].function.arguments, "streamed arguments equal plain arguments");

  // Run the tool and continue.
  messages.push(choice.message);
  for (const call of calls) {
    messages.push({ role: "tool", tool_call_id: call.id, content: search(JSON.parse(call.function.arguments)) });
  }
  const answer = await client.chat.completions.create({ model, messages, tools, temperature: 0, max_tokens: 200 });
  check(answer.choices[0].finish_reason === "stop", "answer finish_reason stop");
  const text = answer.choices[0].message.content;
  check(text === "He was born in Lisbon.", "answer read from the tool result: " + JSON.stringify(text));
  console.log("openai tools: ok (node " + process.version + ", " + (process.argv[3] || "openai") + ")");
}

main().catch((e) => {
  console.error("FAIL: " + (e.stack || e));
  process.exit(1);
});
