import { randomUUID } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, describe, expect } from "vitest";
import { launchTwinBrowser } from "../harness/client/twin-browser.ts";
import { test } from "./support/scenario-test.ts";

/**
 * A user in Debian's Chromium, driven by playwright-core: opens https://threadcast.io through the twin's
 * names (host resolver rules from the Route 53 records) trusting exactly the twin's certificates,
 * registers, creates a mission, and a second browser signed in as the same user sees it appear live.
 */
describe("browser: the web app in Chromium, through the twin's names and certificates", () => {
  let browser: Browser;

  test.beforeAll(async ({ twin }) => {
    browser = await launchTwinBrowser(twin);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  const openMissions = async (page: Page) => {
    await page.getByRole("link", { name: "My Workspace" }).click();
    await page.waitForURL(/\/workspaces\/[0-9a-f-]+\/missions$/);
    await expect.poll(() => page.getByTestId("live-state").textContent(), { timeout: 15_000 }).toBe("live");
  };

  test("registers, creates a mission, and a second page sees it appear over the WebSocket", async ({
    twin,
  }) => {
    const email = `browser-${randomUUID()}@threadcast.test`;
    const password = `pw-${randomUUID()}`;
    const first = await (await browser.newContext()).newPage();
    const second = await (await browser.newContext()).newPage();
    const failures: string[] = [];
    for (const page of [first, second]) page.on("requestfailed", (request) => failures.push(request.url()));

    await first.goto(twin.urls.site);
    await first.getByRole("button", { name: "No account yet? Register" }).click();
    await first.getByLabel("Name").fill("Browser User");
    await first.getByLabel("Email").fill(email);
    await first.getByLabel("Password").fill(password);
    await first.getByRole("button", { name: "Create account" }).click();
    await first.waitForURL(/\/workspaces$/);
    await openMissions(first);

    await second.goto(`${twin.urls.site}login`);
    await second.getByLabel("Email").fill(email);
    await second.getByLabel("Password").fill(password);
    await second.getByRole("button", { name: "Sign in" }).click();
    await second.waitForURL(/\/workspaces$/);
    await openMissions(second);
    expect(second.url()).toBe(first.url());

    const title = `From the browser ${randomUUID().slice(0, 8)}`;
    await first.getByPlaceholder("Mission title").fill(title);
    await first.getByRole("button", { name: "Create mission" }).click();
    const missions = (page: Page) => page.getByRole("list", { name: "missions" }).getByText(title);
    await expect.poll(() => missions(first).count(), { timeout: 5_000 }).toBe(1);
    // The second page did nothing: the mission arrives over STOMP.
    await expect.poll(() => missions(second).count(), { timeout: 5_000 }).toBe(1);
    expect(failures).toEqual([]);
  }, 120_000);
});
