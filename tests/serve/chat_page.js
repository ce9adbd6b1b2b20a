// Opens the chat page in headless Debian Chromium, sets a system prompt, sends a
// message, waits for the streamed reply and saves a screenshot.
// Usage: node chat_page.js URL SCREENSHOT PROFILE_DIR
"use strict";
const { runChatPageTest, expectNoErrorMessage } = require("./chat_page_browser");

runChatPageTest(async (page) => {
  await page.fill("#system", "You are terse.");
  await page.fill("#max-tokens", "24");
  await page.fill("#input", "hello world");
  // Count the chunks as they arrive, to see that the reply really streams.
  await page.evaluate(() => {
    window.__updates = 0;
    new MutationObserver((records) => { window.__updates += records.length; }).observe(document.getElementById("messages"),
      { subtree: true, childList: true, characterData: true });
  });
  await page.click("#send");
  await page.waitForSelector(".message.user", { timeout: 10000 });
  await page.waitForSelector('.message.assistant[data-done="true"]', { timeout: 60000 });
  const reply = await page.textContent(".message.assistant");
  const updates = await page.evaluate(() => window.__updates);
  await expectNoErrorMessage(page);
  if (!reply || reply.length === 0) throw new Error("empty reply");
  if (updates < 3) throw new Error("reply did not stream (" + updates + " updates)");
  return `chat page: ok (${reply.length} characters in ${updates} updates)`;
});
