import { afterAll, describe, expect, inject } from "vitest";
import { send } from "../harness/client/send.ts";
import { targetAgent, twinTarget, type Target } from "../harness/client/target.ts";
import { startSeedEdge, type EdgeVariant } from "../harness/drills/seed-edge.ts";
import { frontendChecks } from "./checks/frontend.ts";
import { test } from "./support/scenario-test.ts";

/** Route 53 -> CloudFront -> S3: the web app as a browser gets it, through the twin's names and CA. */
describe("frontend flow: https://threadcast.io through the edge and the bucket", () => {
  let index = "";

  test.beforeAll(async ({ agent, target }) => {
    index = (await send(agent, target.urls.site)).text;
  });

  // The shared checks take a Target, not fixtures (smoke mode runs them against a deployment): the
  // twin's comes from the global setup directly, when the checks' beforeAll asks for it.
  frontendChecks(() => twinTarget(inject("twin")));

  describe("under the seed's distribution (error response for 404 only)", () => {
    let seed: EdgeVariant;
    let seedTarget: Target;
    let seedAgent: ReturnType<typeof targetAgent>;

    test.beforeAll(async ({ twin, target }) => {
      seed = await startSeedEdge(twin);
      seedTarget = { ...target, hosts: seed.hosts };
      seedAgent = targetAgent(seedTarget);
    });

    afterAll(async () => {
      await seedAgent?.close();
      await seed?.stop();
    });

    test("answers the same deep link with 403: S3 behind OAC says 403 for a missing key, not 404", async () => {
      const answer = await send(seedAgent, "https://threadcast.io/workspaces/42/missions");
      expect(answer.status).toBe(403);
      expect(answer.text).not.toBe(index);
      // The root still works: the seed's mapping only breaks deep links.
      expect((await send(seedAgent, seedTarget.urls.site)).status).toBe(200);
    });
  });
});
