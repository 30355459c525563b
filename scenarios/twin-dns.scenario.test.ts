import { describe, expect, vi } from "vitest";
import { connectFrom } from "../harness/drills/connect-from.ts";
import { containerLogs } from "../harness/drills/container-logs.ts";
import { httpsStatusFromInstance, lookupIn } from "../harness/drills/lookup-in.ts";
import { readEgress } from "../harness/twin/environment.ts";
import { test } from "./support/scenario-test.ts";

/** A name no Route 53 zone of the twin holds, as a third-party service's would be. */
const OUTSIDE = "o4711.ingest.tracker.example";
/** An address outside the twin (TEST-NET-3, routed nowhere): a guard refuses it before it leaves. */
const OUTSIDE_ADDRESS = "203.0.113.7";

/** The report's line for `target`, once the recorder has logged at least `count` attempts at it. */
async function reportedAtLeast(environment: string, target: string, count: number) {
  return vi.waitFor(
    async () => {
      const found = (await readEgress(environment))?.find((attempt) => attempt.target === target);
      expect(found?.count ?? 0).toBeGreaterThanOrEqual(count);
      return found;
    },
    { timeout: 10_000, interval: 200 },
  );
}

/**
 * Inside the twin, names resolve through its own resolver (the deployed Route 53 zone, nothing else),
 * and nothing is sent outside its subnets: each namespace with a route out has an egress guard.
 */
describe("the twin's DNS (the VPC's resolver) and its way out", () => {
  test("leads the API's name to the instance and the site's names to the edge, from inside the instance", async ({
    twin,
  }) => {
    const addresses = twin.networks.addresses;
    expect(addresses, "the environment's description names its fixed addresses").toBeDefined();
    const apiName = new URL(twin.urls.api).hostname;
    const siteName = new URL(twin.urls.site).hostname;
    expect(await lookupIn(twin.containers.app, apiName)).toEqual([addresses?.app]);
    expect(await lookupIn(twin.containers.app, siteName)).toEqual([addresses?.edge]);
    // The names answer inside as outside: the API through the instance's own nginx, the site through the edge.
    expect(
      await httpsStatusFromInstance(twin.containers.app, `${twin.urls.api}/health`, twin.caFile),
    ).toEqual({
      status: 200,
    });
    expect(await httpsStatusFromInstance(twin.containers.app, twin.urls.site, twin.caFile)).toEqual({
      status: 200,
    });
  });

  test("answers the zone on the internal private network too (the database's only network)", async ({
    twin,
  }) => {
    expect(await lookupIn(twin.containers.database, new URL(twin.urls.api).hostname)).toEqual([
      twin.networks.addresses?.app,
    ]);
  });

  test("shows nothing the reference backend looked up or sent outside the twin", async ({ twin }) => {
    // The instance's attempts only, but for this file's own: LocalStack looks up a name of its own once
    // at start (s3.<its host>), which the report shows as the emulator's.
    const ours = (target: string) => target === OUTSIDE || target.startsWith(`${OUTSIDE_ADDRESS}:`);
    const attempts = await readEgress(twin.name);
    expect(attempts?.filter((attempt) => attempt.from === "app" && !ours(attempt.target))).toEqual([]);
  });

  test("blocks a connection from the instance to an address outside the twin, and reports it with its port", async ({
    twin,
  }) => {
    const before = (await readEgress(twin.name))?.find((a) => a.target === `${OUTSIDE_ADDRESS}:443`);
    expect(await connectFrom(twin.containers.app, OUTSIDE_ADDRESS, 443)).toEqual({
      connected: false,
      error: expect.stringMatching(/Connection refused/),
    });
    const reported = await reportedAtLeast(twin.name, `${OUTSIDE_ADDRESS}:443`, (before?.count ?? 0) + 1);
    expect(reported).toMatchObject({ from: "app", outcome: "blocked" });
    // Within the twin the same container connects: the guard lets its own subnets through.
    expect(await connectFrom(twin.containers.app, twin.networks.addresses?.edge ?? "", 443)).toEqual({
      connected: true,
    });
  });

  test("guards the emulator's namespace too, naming it in the report", async ({ twin }) => {
    expect((await connectFrom(twin.containers.emulator, OUTSIDE_ADDRESS, 8443)).connected).toBe(false);
    expect(await reportedAtLeast(twin.name, `${OUTSIDE_ADDRESS}:8443`, 1)).toMatchObject({
      from: "emulator",
      outcome: "blocked",
    });
  });

  test("answers NXDOMAIN for any other name, logs the query, and reports who asked", async ({ twin }) => {
    expect(await lookupIn(twin.containers.app, OUTSIDE)).toEqual([]);
    const logs = await containerLogs(twin.containers.dns ?? "", { since: "5m" });
    expect(logs.stdout + logs.stderr).toMatch(
      new RegExp(`config ${OUTSIDE.replace(/\./g, "\\.")} is NXDOMAIN`),
    );
    const reported = (await readEgress(twin.name))?.find((attempt) => attempt.target === OUTSIDE);
    expect(reported).toMatchObject({ from: "app", target: OUTSIDE, outcome: "NXDOMAIN" });
    expect(reported?.count).toBeGreaterThanOrEqual(1);
  });
});
