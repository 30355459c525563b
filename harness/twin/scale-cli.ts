import { setTimeout as delay } from "node:timers/promises";
import { loadConfig } from "../config.ts";
import { targetHealth } from "../containers/load-balancer-targets.ts";
import { ensureEngine } from "../engine/docker-engine.ts";
import { EnvironmentError } from "../errors.ts";
import { formatMs, out, say } from "../support/progress.ts";
import { controllerPid, WAKE_SIGNAL } from "./controller-process.ts";
import { readEnvironment } from "./environment-state.ts";
import { writeDesired } from "./fleet-desired.ts";
import { fleetMembers } from "./fleet-members.ts";

/** How long the group may take to reach a new desired capacity (an instance boots in about a minute). */
const SCALE_TIMEOUT_MS = 10 * 60_000;

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
  const config = loadConfig();
  await ensureEngine(config);
  const environment = readEnvironment(config);
  const fleet = environment?.topology.fleet;
  const balancer = environment?.topology.loadBalancer;
  if (!environment || !fleet || !balancer) {
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
  writeDesired(environment.dir, fleet, desired);
  process.kill(pid, WAKE_SIGNAL);
  const started = performance.now();
  let seen = "";
  for (;;) {
    const members = await fleetMembers(config.envName);
    const healthy = (await targetHealth(environment.containers.alb ?? "", balancer)).filter(
      (target) => target.state === "healthy",
    );
    const running = members.filter((member) => member.state === "running");
    const now = `${running.length} running, ${healthy.length} healthy in the target group`;
    if (now !== seen) say(`[scale] desired ${desired}: ${now}`);
    seen = now;
    if (members.length === desired && running.length === desired && healthy.length === desired) {
      const where = running.map((member) => `${member.name} (${member.availabilityZone ?? "?"})`).join(", ");
      out(`group at ${desired} instances after ${formatMs(performance.now() - started)}: ${where}`);
      return 0;
    }
    if (performance.now() - started > SCALE_TIMEOUT_MS)
      throw new EnvironmentError(
        `the group did not reach ${desired} healthy instances within ${formatMs(SCALE_TIMEOUT_MS)} (${now})`,
        `the controller's log says why: ${environment.dir}/controller.log`,
      );
    await delay(1_000);
  }
}
