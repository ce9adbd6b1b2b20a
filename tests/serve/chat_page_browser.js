// What the chat-page tests share: headless Debian Chromium (playwright-core, no browser
// download) on a fresh profile, the page opened and its model list loaded, page errors
// collected, and a screenshot and an "ok" line when the test's own checks pass.
// Usage of a test built on it: node TEST.js URL SCREENSHOT PROFILE_DIR
"use strict";
const path = require("path");
const { chromium } = require(path.join(__dirname, "../reference/node_modules/playwright-core"));

// Runs `check(page)` on the chat page at argv's URL; it returns the line to print
// on success and throws on a failure. Exits 1 with the failure otherwise.
function runChatPageTest(check) {
  main(check).catch((e) => {
    console.error("FAIL: " + (e.stack || e));
    process.exit(1);
  });
}

async function main(check) {
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
    const ok = await check(page);
    if (errors.length) throw new Error("page errors: " + errors.join("; "));
    await page.screenshot({ path: shot });
    console.log(ok);
  } finally {
    await browser.close();
  }
}

// Throws when the page shows an error message in place of a reply.
async function expectNoErrorMessage(page) {
  const failed = await page.$(".message.error");
  if (failed) throw new Error("page shows an error: " + (await failed.textContent()));
}

module.exports = { runChatPageTest, expectNoErrorMessage };
