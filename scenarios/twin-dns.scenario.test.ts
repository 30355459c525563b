import { describe, expect } from "vitest";
import { containerLogs } from "../harness/drills/container-logs.ts";
import { httpsStatusFromInstance, lookupIn } from "../harness/drills/lookup-in.ts";
import { readEgress } from "../harness/twin/environment.ts";
import { test } from "./support/scenario-test.ts";

/** A name no Route 53 zone of the twin holds, as a third-party service's would be. */
const OUTSIDE = "o4711.ingest.tracker.example";

/** Inside the twin, names resolve through its own resolver: the deployed Route 53 zone, nothing else. */
describe("the twin's DNS (the VPC's resolver)", () => {
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

  test("shows no name the reference backend looked up outside the twin", async ({ twin }) => {
    // The instance's lookups only: LocalStack looks up a name of its own once at start (s3.<its host>),
    // which the report shows as the emulator's.
    const attempts = await readEgress(twin.name);
    expect(attempts?.filter((attempt) => attempt.from === "app" && attempt.target !== OUTSIDE)).toEqual([]);
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
