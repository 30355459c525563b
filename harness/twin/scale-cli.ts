import { setTimeout as delay } from "node:timers/promises";
import { loadConfig, type HarnessConfig } from "../config.ts";
import { targetHealth } from "../containers/load-balancer-targets.ts";
import { ensureEngine } from "../engine/docker-engine.ts";
import { EnvironmentError } from "../errors.ts";
import { formatMs, out, say } from "../support/progress.ts";
import { controllerPid, WAKE_SIGNAL } from "./controller-process.ts";
import { readEnvironment, type Environment } from "./environment-state.ts";
import { writeDesired } from "./fleet-desired.ts";
import { fleetMembers, type RunningMember } from "./fleet-members.ts";
import type { FleetTopology } from "./fleet-topology.ts";

/** How long the group may take to reach a new desired capacity (an instance boots in about a minute). */
const SCALE_TIMEOUT_MS = 10 * 60_000;

/** A running phase-2 environment's group, with its controller's pid (what env:scale and env:refresh act through). */
export interface WatchedGroup {
  readonly environment: Environment;
  readonly fleet: FleetTopology;
  readonly pid: number;
}

/** The environment's group and its controller; an exit code (said why) when it has none running. */
export async function watchedGroup(config: HarnessConfig): Promise<WatchedGroup | number> {
  await ensureEngine(config);
  const environment = readEnvironment(config);
  const fleet = environment?.topology.fleet;
  if (!environment || !fleet || !environment.topology.loadBalancer) {
    say(
      `environment "${config.envName}" runs no Auto Scaling group (npm run env:up -- --phase 2 brings one up)`,
    );
    return 3;
  }
  const pid = controllerPid(environment.dir);
  if (pid === undefined)
    throw new EnvironmentError(
      `the group's controller of environment "${config.envName}" is not running`,
      "npm run env:up -- --phase 2 starts it again (the running instances are kept)",
    );
  return { environment, fleet, pid };
}

/**
 * Waits until `done` holds for the group's members (each running and healthy in the target group is
 * counted), printing each change; fails after the timeout with what it saw last.
 */
export async function untilGroup(
  { environment }: WatchedGroup,
  what: string,
  done: (members: readonly RunningMember[], healthy: number) => boolean,
): Promise<number> {
  const balancer = environment.topology.loadBalancer;
  if (!balancer) throw new EnvironmentError("the environment has no load balancer");
  const started = performance.now();
  let seen = "";
  for (;;) {
    const members = await fleetMembers(environment.name);
    const healthy = (await targetHealth(environment.containers.alb ?? "", balancer)).filter(
      (target) => target.state === "healthy",
    ).length;
    const running = members.filter((member) => member.state === "running");
    const now = `${running.length} running, ${healthy} healthy in the target group`;
    if (now !== seen) say(`[group] ${what}: ${now}`);
    seen = now;
    if (done(members, healthy)) return performance.now() - started;
    if (performance.now() - started > SCALE_TIMEOUT_MS)
      throw new EnvironmentError(
        `the group did not reach ${what} within ${formatMs(SCALE_TIMEOUT_MS)} (${now})`,
        `the controller's log says why: ${environment.dir}/controller.log`,
      );
    await delay(1_000);
  }
}

/**
 * `npm run env:scale -- <n>`: the group's desired capacity (SetDesiredCapacity, within min..max); the
 * controller launches or drains instances, and this waits until exactly n are running and healthy in
 * the target group.
 */
export async function envScale(argv: readonly string[]): Promise<number> {
  const desired = Number(argv[0]);
  if (argv.length !== 1 || !Number.isInteger(desired)) {
    say(`env:scale takes the desired capacity as one whole number (got: ${argv.join(" ") || "nothing"})`);
    return 64;
  }
  const group = await watchedGroup(loadConfig());
  if (typeof group === "number") return group;
  writeDesired(group.environment.dir, group.fleet, desired);
  process.kill(group.pid, WAKE_SIGNAL);
  let running: readonly RunningMember[] = [];
  const took = await untilGroup(group, `desired ${desired}`, (members, healthy) => {
    running = members.filter((member) => member.state === "running");
    return members.length === desired && running.length === desired && healthy === desired;
  });
  const where = running.map((member) => `${member.name} (${member.availabilityZone ?? "?"})`).join(", ");
  out(`group at ${desired} instances after ${formatMs(took)}: ${where}`);
  return 0;
}
