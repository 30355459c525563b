import { readFileSync } from "node:fs";
import { describe, expect } from "vitest";
import { say } from "../../harness/support/progress.ts";
import { waitFor } from "../../harness/support/wait-for.ts";
import { cli } from "../../harness/testing/env-cli.ts";
import { controllerFiles } from "../../harness/twin/controller-process.ts";
import { fleetMembers } from "../../harness/twin/fleet-members.ts";
import { test } from "../support/scenario-test.ts";
import { SteadyLoad } from "../support/steady-load.ts";

/** A rolling restart of the whole group (Auto Scaling's instance refresh) while clients keep calling. */
describe("phase 2: a rolling restart of every instance", () => {
  test("replaces every instance with zero failed requests, each old one drained for the deregistration delay", async ({
    twin,
    target,
    agent,
  }) => {
    const before = await fleetMembers(twin.name);
    const oldIds = before.map((member) => member.instanceId);
    const log = controllerFiles(twin.dir).log;
    const logFrom = readFileSync(log).length;
    const load = new SteadyLoad(target, agent);
    let refreshed;
    try {
      await waitFor("steady load", () => (load.sent >= 20 ? true : undefined));
      refreshed = await cli(["refresh"], { HARNESS_ENV: twin.name });
    } finally {
      await load.stop();
    }
    expect(refreshed.code, refreshed.stderr.slice(-2000)).toBe(0);
    expect(refreshed.stdout).toMatch(new RegExp(`instance refresh done after .*: ${before.length} replaced`));
    const after = await fleetMembers(twin.name);
    expect(after).toHaveLength(before.length);
    expect(after.filter((member) => oldIds.includes(member.instanceId))).toEqual([]);
    const controller = readFileSync(log).subarray(logFrom).toString("utf8");
    for (const member of before)
      expect(controller).toMatch(new RegExp(`instance refresh: ${member.name} drains for up to `));
    expect(load.failed, `failed requests of ${load.sent}`).toEqual([]);
    say(
      `[scenario] instance refresh under load: ${load.sent} requests, none failed; ${refreshed.stdout.trim()}`,
    );
  });
});
