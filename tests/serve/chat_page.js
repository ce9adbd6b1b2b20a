// Opens the chat page in headless Debian Chromium (playwright-core, no browser
// download), sets a system prompt, sends a message, waits for the streamed reply and
// saves a screenshot. Usage: node chat_page.js URL SCREENSHOT PROFILE_DIR
"use strict";
const path = require("path");
const { chromium } = require(path.join(__dirname, "../reference/node_modules/playwright-core"));

async function main() {
  const [url, shot, profile] = process.argv.slice(2);
  // A persistent context is how playwright takes a fresh --user-data-dir.
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    timeout: 60000,
    viewport: { width: 1100, height: 700 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(url, { timeout: 30000 });
    await page.waitForSelector("#model-name[data-id]", { timeout: 10000 });
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
    const failed = await page.$(".message.error");
    if (failed) throw new Error("page shows an error: " + (await failed.textContent()));
    if (!reply || reply.length === 0) throw new Error("empty reply");
    if (updates < 3) throw new Error("reply did not stream (" + updates + " updates)");
    if (errors.length) throw new Error("page errors: " + errors.join("; "));
    await page.screenshot({ path: shot });
    console.log(`chat page: ok (${reply.length} characters in ${updates} updates)`);
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error("FAIL: " + (e.stack || e));
  process.exit(1);
});
