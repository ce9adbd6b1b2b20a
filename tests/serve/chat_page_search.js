// Opens the chat page in headless Debian Chromium against a server that runs the
// search tool itself (serve --index), asks a question the model answers by searching,
// and checks that the page shows the search (query and hit, linked) above the
// streamed answer; saves a screenshot. Usage: node chat_page_search.js URL SHOT PROFILE
"use strict";
const { runChatPageTest, expectNoErrorMessage } = require("./chat_page_browser");

runChatPageTest(async (page) => {
  await page.fill("#temperature", "0");
  await page.fill("#max-tokens", "200");
  await page.fill("#input", "Where was Kenji Marsh born?");
  await page.click("#send");
  await page.waitForSelector('.message.assistant[data-done="true"]', { timeout: 60000 });
  await expectNoErrorMessage(page);
  const call = await page.textContent(".message.tool .tool-call");
  if (call !== "search: Kenji Marsh") throw new Error("search shown as " + JSON.stringify(call));
  const link = await page.getAttribute(".message.tool li a", "href");
  if (link !== "http://example/kenji") throw new Error("hit link " + link);
  const title = await page.textContent(".message.tool li a");
  if (title !== "Kenji Marsh") throw new Error("hit title " + title);
  // The search block comes before the answer.
  const order = await page.evaluate(() => Array.from(document.querySelectorAll("#messages .message")).map((d) => d.className));
  if (order.join("|") !== "message user|message tool|message assistant") throw new Error("order " + order.join("|"));
  const reply = await page.textContent(".message.assistant");
  if (reply !== "He was born in Lisbon.") throw new Error("reply " + JSON.stringify(reply));
  return "chat page search: ok (" + reply + ")";
});
