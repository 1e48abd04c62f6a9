// End-to-end: a customer registers, starts a thread, a staff member finds it waiting on the
// listening desk, takes it and replies, the customer replies, likes the staff answer and marks
// it as the answer (which takes it off the desk); then we check what the pages show and run
// axe-core's accessibility rules on the pages visited. Then a spammer replies, the customer
// reports the reply, and a moderator removes it from the queue ("Remove the post and resolve"):
// the thread shows the reason in its place and the public moderation log lists it.
//
// Run by tests/it/browser.rs, which starts a Hearth instance and passes:
//   HEARTH_URL        base URL of the instance, e.g. http://127.0.0.1:40123
//   STAFF_NAME/STAFF_PASSWORD   an existing staff account with the title "Support Lead"
//   MOD_NAME/MOD_PASSWORD       a moderator; SPAM_NAME/SPAM_PASSWORD a member who spams
//   CHROMIUM          path to the browser (default /usr/bin/chromium)
// Prints one JSON line with what it saw; exits non-zero on the first failed check.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const base = process.env.HEARTH_URL;
const staffName = process.env.STAFF_NAME;
const staffPassword = process.env.STAFF_PASSWORD;
const { MOD_NAME, MOD_PASSWORD, SPAM_NAME, SPAM_PASSWORD } = process.env;
if (!base || !staffName || !staffPassword || !MOD_NAME || !MOD_PASSWORD || !SPAM_NAME || !SPAM_PASSWORD) {
  console.error("HEARTH_URL, STAFF_NAME, STAFF_PASSWORD, MOD_NAME, MOD_PASSWORD, SPAM_NAME and SPAM_PASSWORD are required");
  process.exit(2);
}

function check(condition, message) {
  if (!condition) {
    throw new Error(`check failed: ${message}`);
  }
}

// Accessibility: no serious or critical violation of the WCAG 2 A/AA rules axe knows.
async function audit(page, label) {
  // Evaluated through the DevTools protocol, so the page's strict CSP (no inline scripts) stays on.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21aa"] } }),
  );
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  if (bad.length > 0) {
    const detail = bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
    throw new Error(`accessibility problems on ${label}:\n${detail.join("\n")}`);
  }
  return result.violations.length;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

const seen = {};
try {
  // The customer: registers with the form, as a person would, with a phone-sized screen.
  const customer = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await customer.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(`${base}/register`);
  seen.registerAudit = await audit(page, "/register");
  await page.getByLabel("Name", { exact: false }).first().fill("ana");
  await page.getByLabel("Display name").fill("Ana Lima");
  await page.getByLabel("Password", { exact: false }).first().fill("correct horse battery");
  await page.getByLabel("Password again").fill("correct horse battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(`${base}/u/ana`);
  check((await page.locator("h1").textContent()).includes("Ana Lima"), "profile shows the display name");

  // Start a thread in the support space.
  await page.goto(`${base}/s/support`);
  seen.spaceAudit = await audit(page, "/s/support");
  await page.getByRole("link", { name: "Start a thread" }).click();
  await page.getByLabel("Title").fill("My router keeps rebooting");
  await page.getByLabel("Your question or idea", { exact: false }).fill("It restarts **every hour**.");
  await page.getByRole("button", { name: "Post thread" }).click();
  await page.waitForURL(/\/s\/support\/t\/\d+-my-router-keeps-rebooting$/);
  const threadUrl = page.url();
  seen.threadUrl = threadUrl.slice(base.length);
  check((await page.locator(".prose strong").first().textContent()) === "every hour", "markdown rendered");

  // Staff answers, from another browser (a desktop).
  const staff = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const staffPage = await staff.newPage();
  staffPage.setDefaultTimeout(10_000);
  await staffPage.goto(`${base}/login`);
  await staffPage.getByLabel("Name").fill(staffName);
  await staffPage.getByLabel("Password").fill(staffPassword);
  await staffPage.getByRole("button", { name: "Sign in" }).click();
  await staffPage.waitForURL(`${base}/`);

  // The listening desk: the customer's question waits there; staff take it.
  await staffPage.getByRole("link", { name: "Desk" }).click();
  await staffPage.waitForURL(`${base}/desk`);
  const item = staffPage.locator(".desk-item", { hasText: "My router keeps rebooting" });
  check((await item.count()) === 1, "the question waits on the desk");
  check((await item.locator(".waiting").textContent()).startsWith("waiting"), "the wait is shown");
  seen.deskAudit = await audit(staffPage, "/desk");
  await item.getByRole("button", { name: "I'll take this" }).click();
  await staffPage.waitForURL(`${base}/desk`);
  seen.deskAssignee = (await staffPage.locator(".desk-item .assignee").first().textContent()).trim();
  check(seen.deskAssignee.endsWith("(you)"), `taken by me (got ${seen.deskAssignee})`);
  if (process.env.DESK_SCREENSHOT) {
    await staffPage.screenshot({ path: process.env.DESK_SCREENSHOT, fullPage: true });
  }

  await staffPage.goto(threadUrl);
  await staffPage.locator("#body").fill("Please update the firmware, then hold reset for 10 seconds.");
  await staffPage.getByRole("button", { name: "Post reply" }).last().click();
  await staffPage.waitForURL(/#post-\d+$/);
  const staffPost = new URL(staffPage.url()).hash.slice(1);
  seen.staffPost = staffPost;

  // The customer sees the staff badge, replies to the staff reply, likes it, marks it.
  await page.goto(threadUrl);
  const reply = page.locator(`#${staffPost}`);
  const badge = await reply.locator(".badge.staff").textContent();
  seen.badge = badge.trim();
  check(seen.badge === "Staff · Support Lead", `staff badge shown (got ${seen.badge})`);
  await reply.locator("summary", { hasText: "Reply" }).click();
  await reply.getByLabel(/Reply to/).fill("That fixed it, thank you!");
  await reply.getByRole("button", { name: "Post reply" }).click();
  await page.waitForURL(/#post-\d+$/);

  await page.locator(`#${staffPost}`).getByRole("button", { name: /Like/ }).click();
  await page.waitForLoadState("load");
  const likeButton = page.locator(`#${staffPost}`).getByRole("button", { name: /Liked/ });
  check((await likeButton.getAttribute("aria-pressed")) === "true", "like is pressed");
  check((await likeButton.locator(".count").textContent()).trim() === "1", "one like");

  await page.locator(`#${staffPost}`).getByRole("button", { name: "Mark as answer" }).click();
  await page.waitForURL(threadUrl);

  // What the thread page shows now.
  check(await page.locator("h1 .badge.answered").isVisible(), "thread marked answered");
  const answer = page.locator("section.answer");
  check(await answer.isVisible(), "the answer is shown under the question");
  check((await answer.textContent()).includes("update the firmware"), "answer text under the question");
  check(await page.locator(`#${staffPost} .badge.answered`).isVisible(), "reply marked as accepted answer");
  const nested = page.locator(`li:has(> #${staffPost}) ol.tree article`);
  check((await nested.count()) === 1, "the customer's reply is nested under the staff reply");
  seen.threadAudit = await audit(page, "thread page");

  // Settled: off the desk. The figures page draws its charts and passes the same audit.
  await staffPage.goto(`${base}/desk`);
  check((await staffPage.locator(".desk-item").count()) === 0, "answered threads leave the desk");
  await staffPage.getByRole("link", { name: /Figures/ }).click();
  await staffPage.waitForURL(/\/desk\/metrics$/);
  check((await staffPage.locator("svg.chart").count()) === 2, "two charts");
  check((await staffPage.locator("table.metrics tbody tr").count()) === 12, "twelve weeks in the table");
  seen.metricsAudit = await audit(staffPage, "/desk/metrics");
  if (process.env.METRICS_SCREENSHOT) {
    await staffPage.screenshot({ path: process.env.METRICS_SCREENSHOT, fullPage: true });
  }

  // The space list marks it answered.
  await page.goto(`${base}/s/support?filter=answered`);
  check((await page.locator(".thread-item").count()) === 1, "listed under answered");
  check(await page.locator(".thread-item .badge.answered").isVisible(), "answered badge in the list");

  // A spammer replies; the customer reports the reply.
  async function signIn(name, password) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const p = await context.newPage();
    p.setDefaultTimeout(10_000);
    await p.goto(`${base}/login`);
    await p.getByLabel("Name").fill(name);
    await p.getByLabel("Password").fill(password);
    await p.getByRole("button", { name: "Sign in" }).click();
    await p.waitForURL(`${base}/`);
    return p;
  }
  const spammer = await signIn(SPAM_NAME, SPAM_PASSWORD);
  await spammer.goto(threadUrl);
  await spammer.locator("#body").fill("Cheap pills at pills.example");
  await spammer.getByRole("button", { name: "Post reply" }).last().click();
  await spammer.waitForURL(/#post-\d+$/);
  await page.goto(threadUrl);
  const spam = page.locator("article.post", { hasText: "Cheap pills" });
  check((await spam.count()) === 1, "the spam reply is there");
  await spam.getByRole("link", { name: "Report" }).click();
  await page.getByLabel("What is wrong with it?").fill("Spam for pills");
  await page.getByRole("button", { name: "Send the report" }).click();
  await page.getByRole("heading", { name: "Thank you" }).waitFor();

  // The moderator finds it in the queue and removes the reply, with a reason.
  const moderator = await signIn(MOD_NAME, MOD_PASSWORD);
  // The navigation shows that a report waits.
  await moderator.getByRole("link", { name: /^Moderation \d+ waiting$/ }).click();
  await moderator.waitForURL(`${base}/moderation`);
  const report = moderator.locator("li.report", { hasText: "Spam for pills" });
  check((await report.count()) === 1, "the report waits in the queue");
  seen.queueAudit = await audit(moderator, "/moderation");
  await report.getByLabel("Resolution note").fill("Advertising is not allowed here");
  await report.getByRole("button", { name: "Remove the post and resolve" }).click();
  await moderator.waitForURL(`${base}/moderation`);
  check((await moderator.locator("li.report").count()) === 0, "the queue is empty");

  // Everyone sees the reason in its place, not the words; the public log says who and why.
  await page.goto(threadUrl);
  const removed = page.locator("article.post.removed");
  seen.removalNotice = (await removed.locator(".removal-notice").textContent()).trim();
  check(!(await page.content()).includes("Cheap pills"), "the spam is gone for the customer");
  await page.goto(`${base}/modlog`);
  seen.modlogEntry = (await page.locator(".modlog-entry").first().textContent()).replace(/\s+/g, " ").trim();
  seen.modlogAudit = await audit(page, "/modlog");

  // Keyboard: the skip link is the first thing Tab reaches.
  await page.keyboard.press("Tab");
  check((await page.evaluate(() => document.activeElement.textContent)).includes("Skip to content"), "skip link first");

  await page.goto(threadUrl);
  await page.screenshot({ path: process.env.SCREENSHOT || "/tmp/hearth-thread.png", fullPage: true });
  console.log(JSON.stringify({ ok: true, ...seen }));
} catch (error) {
  console.log(JSON.stringify({ ok: false, error: String(error.stack || error), ...seen }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
