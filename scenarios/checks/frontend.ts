import { afterAll, beforeAll, expect, it } from "vitest";
import { targetAgent, type Target } from "../../harness/client/target.ts";
import { send } from "../../harness/client/send.ts";

/**
 * The frontend flow's read-only checks, for the twin and for a real deployment alike: index.html on
 * both names, the HTTP redirect, a hashed asset's long immutable cache and a cache hit, index.html not
 * cached long, deep links answered with index.html.
 */
export function frontendChecks(target: () => Target): void {
  let agent: ReturnType<typeof targetAgent>;
  let index = "";
  let asset = "";
  const get = (url: string) => send(agent, url);
  const site = () => target().urls.site.replace(/\/$/, "");

  beforeAll(async () => {
    agent = targetAgent(target());
    index = (await get(target().urls.site)).text;
    const found = index.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
    if (!found)
      throw new Error(`index.html at ${target().urls.site} names no hashed script:\n${index.slice(0, 500)}`);
    asset = found;
  });

  afterAll(() => agent?.close());

  it("serves index.html at the site's root, and the same page on www", async () => {
    const apex = await get(target().urls.site);
    const www = await get(target().urls.www);
    expect(apex.status).toBe(200);
    expect(apex.headers["content-type"]).toMatch(/^text\/html/);
    expect(apex.text).toContain('<div id="root">');
    expect(www.status).toBe(200);
    expect(www.text).toBe(apex.text);
  });

  it("redirects http:// to https:// with 301, keeping the path and query", async () => {
    const host = new URL(target().urls.site).host;
    const answer = await get(`http://${host}/workspaces?tab=missions`);
    expect(answer.status).toBe(301);
    expect(answer.headers.location).toBe(`https://${host}/workspaces?tab=missions`);
  });

  it("serves a hashed asset with a year-long immutable cache, and a second request is a cache hit", async () => {
    const first = await get(`${site()}${asset}`);
    const second = await get(`${site()}${asset}`);
    expect(first.status).toBe(200);
    expect(first.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(second.headers["x-cache"]).toBe("Hit from cloudfront");
    expect(Number(second.headers.age)).toBeGreaterThanOrEqual(0);
    expect(second.text).toBe(first.text);
  });

  it("does not let index.html be cached long", async () => {
    const answer = await get(target().urls.site);
    expect(answer.headers["cache-control"]).toMatch(/no-cache|no-store|max-age=0\b/);
  });

  it.each(["/workspaces/42/missions", "/workspaces/42/missions/7", "/settings", "/login"])(
    "answers the deep link %s with index.html and 200",
    async (path) => {
      const answer = await get(`${site()}${path}`);
      expect(answer.status).toBe(200);
      expect(answer.text).toBe(index);
    },
  );
}
