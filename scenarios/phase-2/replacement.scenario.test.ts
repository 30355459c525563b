import { describe, expect } from "vitest";
import { targetHealth } from "../../harness/containers/load-balancer-targets.ts";
import { formatMs, say } from "../../harness/support/progress.ts";
import { run } from "../../harness/support/run.ts";
import { waitFor } from "../../harness/support/wait-for.ts";
import { fleetMembers } from "../../harness/twin/fleet-members.ts";
import { test } from "../support/scenario-test.ts";
import { SteadyLoad } from "../support/steady-load.ts";

/** Requests after the group is whole again that must all succeed. */
const AFTER = 20;

/** An instance of the group lost under steady load, as an ALB and an Auto Scaling group handle it. */
describe("phase 2: an instance killed under steady load", () => {
  test("fails requests only inside the health check's window, then the group replaces the instance", async ({
    twin,
    target,
    agent,
  }) => {
    const balancer = twin.topology.loadBalancer;
    const fleet = twin.topology.fleet;
    if (!balancer || !fleet) throw new Error("the phase-2 twin has no load balancer or group");
    const check = balancer.targetGroup.healthCheck;
    // An ALB takes a target out after `unhealthyThreshold` failed checks `interval` apart, each allowed
    // its timeout: requests routed to it before then may fail, none after.
    const windowMs = (check.intervalSeconds * check.unhealthyThreshold + check.timeoutSeconds) * 1000;
    const healthy = async () =>
      (await targetHealth(twin.containers.alb ?? "", balancer)).filter((slot) => slot.state === "healthy");
    const [victim] = await fleetMembers(twin.name);
    if (!victim) throw new Error("the group has no instance");
    const load = new SteadyLoad(target, agent);
    let killedAt = 0;
    try {
      await waitFor("steady load", () => (load.sent >= 20 ? true : undefined));
      killedAt = Date.now();
      expect((await run("docker", ["kill", victim.id])).code).toBe(0);
      const replacement = await waitFor(
        `a new instance in place of ${victim.name} (${victim.instanceId}), healthy in the target group`,
        async () => {
          const members = await fleetMembers(twin.name);
          const fresh = members.find(
            (member) =>
              member.state === "running" &&
              member.instanceId !== victim.instanceId &&
              member.name === victim.name,
          );
          const live = await healthy();
          return fresh &&
            live.length === fleet.desiredCapacity &&
            live.some((slot) => slot.address === fresh.address)
            ? fresh
            : undefined;
        },
        240_000,
      );
      const whole = load.sent;
      await waitFor(`${AFTER} requests with the group whole`, () =>
        load.sent >= whole + AFTER ? true : undefined,
      );
      say(
        `[scenario] ${victim.name} killed: ${load.failed.length} of ${load.sent} requests failed, the last ${formatMs((load.failed.at(-1)?.at ?? killedAt) - killedAt)} after the kill (window ${formatMs(windowMs)}); ${replacement.instanceId} healthy ${formatMs(Date.now() - killedAt)} after it`,
      );
    } finally {
      await load.stop();
    }
    const failedAt = load.failed.map((failure) => failure.at);
    expect(
      failedAt.filter((at) => at < killedAt),
      "failures before the kill",
    ).toEqual([]);
    expect(
      failedAt.filter((at) => at > killedAt + windowMs),
      "failures after the health check's window",
    ).toEqual([]);
  });
});
