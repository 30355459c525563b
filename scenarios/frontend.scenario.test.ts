import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startSeedEdge, type EdgeVariant } from "../harness/drills/seed-edge.ts";
import { frontendChecks } from "./checks/frontend.ts";
import { targetAgent, twinTarget, type Target } from "../harness/client/target.ts";
import { send } from "../harness/client/send.ts";

/** Route 53 -> CloudFront -> S3: the web app as a browser gets it, through the twin's names and CA. */
describe("frontend flow: https://threadcast.io through the edge and the bucket", () => {
  const environment = inject("twin");
  const target = twinTarget(environment);
  const agent = targetAgent(target);
  const get = (url: string) => send(agent, url);

  let index = "";

  beforeAll(async () => {
    index = (await get(target.urls.site)).text;
  });

  afterAll(() => agent.close());

  frontendChecks(() => target);

  describe("under the seed's distribution (error response for 404 only)", () => {
    let seed: EdgeVariant;
    let seedTarget: Target;
    let seedAgent: ReturnType<typeof targetAgent>;

    beforeAll(async () => {
      seed = await startSeedEdge(environment);
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
