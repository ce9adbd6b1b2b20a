// llmforge chat page: keeps the conversation in memory, sends it to
// /v1/chat/completions with stream: true and renders the SSE deltas as they arrive.
// Searches the server runs for the model (serve --index) arrive as chunks with an
// "llmforge_tool_event"; each is shown above the reply with its query and hits.
"use strict";

const $ = (id) => document.getElementById(id);
let history = [];          // [{role, content}] of the conversation so far
let controller = null;     // AbortController of the reply being streamed

function addMessage(role, text) {
  const div = document.createElement("div");
  div.className = "message " + role;
  div.textContent = text;
  $("messages").appendChild(div);
  $("messages").scrollTop = $("messages").scrollHeight;
  return div;
}

// A search the server ran: its query (or error) and the hits, as a block before `bubble`.
function addToolEvent(event, bubble) {
  const div = document.createElement("div");
  div.className = "message tool" + (event.error ? " failed" : "");
  const head = document.createElement("div");
  head.className = "tool-call";
  let args = event.arguments;
  try { args = JSON.parse(event.arguments).query || event.arguments; } catch (e) { /* keep the raw text */ }
  head.textContent = event.error ? "search failed: " + event.result : event.name + ": " + args;
  div.appendChild(head);
  const list = document.createElement("ol");
  for (const hit of event.hits || []) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = hit.url;
    link.textContent = hit.title || hit.url;
    link.target = "_blank";
    link.rel = "noopener";
    const snippet = document.createElement("div");
    snippet.className = "snippet";
    snippet.textContent = hit.snippet;
    item.appendChild(link);
    item.appendChild(snippet);
    list.appendChild(item);
  }
  if (!event.error) div.appendChild(list);
  $("messages").insertBefore(div, bubble);
  return div;
}

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = $("api-key").value.trim();
  if (key) h["Authorization"] = "Bearer " + key;
  return h;
}

function requestBody() {
  const messages = [];
  const system = $("system").value.trim();
  if (system) messages.push({ role: "system", content: system });
  const body = {
    model: $("model-name").dataset.id || "llmforge",
    messages: messages.concat(history),
    stream: true,
    temperature: parseFloat($("temperature").value),
    top_p: parseFloat($("top-p").value),
    top_k: parseInt($("top-k").value || "0", 10),
    max_tokens: parseInt($("max-tokens").value || "256", 10),
  };
  if ($("seed").value !== "") body.seed = parseInt($("seed").value, 10);
  return body;
}

// Reads an SSE stream; calls onData with each event's data string.
async function readEvents(response, onData) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      for (const line of event.split("\n")) {
        if (line.startsWith("data: ")) onData(line.slice(6));
      }
    }
  }
}

async function send(text) {
  history.push({ role: "user", content: text });
  addMessage("user", text);
  const bubble = addMessage("assistant", "");
  bubble.dataset.done = "false";
  $("send").disabled = true;
  $("stop").disabled = false;
  $("status").textContent = "";
  controller = new AbortController();
  let reply = "";
  const started = performance.now();
  let tokens = 0;
  try {
    const response = await fetch("/v1/chat/completions", {
      method: "POST", headers: headers(), body: JSON.stringify(requestBody()),
      signal: controller.signal,
    });
    if (!response.ok) {
      const err = await response.json().catch(() => ({}));
      throw new Error((err.error && err.error.message) || response.statusText);
    }
    await readEvents(response, (data) => {
      if (data === "[DONE]") return;
      const chunk = JSON.parse(data);
      if (chunk.error) throw new Error(chunk.error.message);
      if (chunk.llmforge_tool_event) addToolEvent(chunk.llmforge_tool_event, bubble);
      const choice = chunk.choices && chunk.choices[0];
      if (choice && choice.delta && choice.delta.content) {
        reply += choice.delta.content;
        tokens += 1;
        bubble.textContent = reply;
        $("messages").scrollTop = $("messages").scrollHeight;
      }
    });
    const secs = (performance.now() - started) / 1000;
    $("status").textContent = `${tokens} chunks in ${secs.toFixed(1)} s`;
  } catch (e) {
    if (e.name !== "AbortError") addMessage("error", "Error: " + e.message);
  } finally {
    history.push({ role: "assistant", content: reply });
    bubble.dataset.done = "true";
    $("send").disabled = false;
    $("stop").disabled = true;
    controller = null;
  }
}

$("composer").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const text = $("input").value.trim();
  if (!text || controller) return;
  $("input").value = "";
  send(text);
});
$("input").addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && !ev.shiftKey) {
    ev.preventDefault();
    $("composer").requestSubmit();
  }
});
$("stop").addEventListener("click", () => controller && controller.abort());
$("reset").addEventListener("click", () => {
  if (controller) controller.abort();
  history = [];
  $("messages").innerHTML = "";
  $("status").textContent = "";
});
for (const id of ["temperature", "top-p"]) {
  $(id).addEventListener("input", () => { $(id + "-value").textContent = $(id).value; });
}
fetch("/v1/models", { headers: headers() }).then((r) => r.json()).then((m) => {
  if (m.data && m.data[0]) {
    $("model-name").textContent = "model: " + m.data[0].id;
    $("model-name").dataset.id = m.data[0].id;
  }
}).catch(() => {});
