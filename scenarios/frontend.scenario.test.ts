import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startEdgeVariant, type EdgeVariant } from "../harness/twin/edge-variant.ts";
import { send, targetAgent, twinTarget, type Target } from "./support/target.ts";

/** Route 53 -> CloudFront -> S3: the web app as a browser gets it, through the twin's names and CA. */
describe("frontend flow: https://threadcast.io through the edge and the bucket", () => {
  const environment = inject("twin");
  const target = twinTarget(environment);
  const agent = targetAgent(target);
  const get = (url: string, headers: Record<string, string> = {}) => send(agent, url, { headers });
  let index = "";
  let asset = "";

  beforeAll(async () => {
    index = (await get(target.urls.site)).text;
    const found = index.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
    if (!found) throw new Error(`index.html names no hashed script:\n${index}`);
    asset = found;
  });

  afterAll(() => agent.close());

  it("serves index.html at https://threadcast.io/ and the same page at https://www.threadcast.io/", async () => {
    const apex = await get(target.urls.site);
    const www = await get(target.urls.www);
    expect(apex.status).toBe(200);
    expect(apex.headers["content-type"]).toMatch(/^text\/html/);
    expect(apex.text).toContain('<div id="root">');
    expect(www.status).toBe(200);
    expect(www.text).toBe(apex.text);
  });

  it("redirects http:// to https:// with 301, keeping the path and query", async () => {
    const answer = await get("http://threadcast.io/workspaces?tab=missions");
    expect(answer.status).toBe(301);
    expect(answer.headers.location).toBe("https://threadcast.io/workspaces?tab=missions");
  });

  it("serves a hashed asset with a year-long immutable cache, and a second request is a cache hit", async () => {
    const url = `https://threadcast.io${asset}`;
    const first = await get(url);
    const second = await get(url);
    expect(first.status).toBe(200);
    expect(first.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(second.headers["x-cache"]).toBe("Hit from cloudfront");
    expect(Number(second.headers.age)).toBeGreaterThanOrEqual(0);
    expect(second.text).toBe(first.text);
  });

  it("does not let index.html be cached long", async () => {
    const answer = await get(target.urls.site);
    expect(answer.headers["cache-control"]).toMatch(/no-cache|no-store|max-age=0\b/);
  });

  it.each(["/workspaces/42/missions", "/workspaces/42/missions/7", "/settings", "/login"])(
    "answers the deep link %s with index.html and 200 (the stack's error responses)",
    async (path) => {
      const answer = await get(`https://threadcast.io${path}`);
      expect(answer.status).toBe(200);
      expect(answer.text).toBe(index);
    },
  );

  describe("under the seed's distribution (error response for 404 only)", () => {
    let seed: EdgeVariant;
    let seedTarget: Target;
    let seedAgent: ReturnType<typeof targetAgent>;

    beforeAll(async () => {
      seed = await startEdgeVariant(environment, "seed", (config) => ({
        ...config,
        errorResponses: config.errorResponses.filter((response) => response.errorCode === 404),
      }));
      seedTarget = { ...target, hosts: seed.hosts };
      seedAgent = targetAgent(seedTarget);
    });

    afterAll(async () => {
      await seedAgent?.close();
      await seed?.stop();
    });

    it("answers the same deep link with 403: S3 behind OAC says 403 for a missing key, not 404", async () => {
      const answer = await send(seedAgent, "https://threadcast.io/workspaces/42/missions");
      expect(answer.status).toBe(403);
      expect(answer.text).not.toBe(index);
      // The root still works: the seed's mapping only breaks deep links.
      expect((await send(seedAgent, seedTarget.urls.site)).status).toBe(200);
    });
  });
});
