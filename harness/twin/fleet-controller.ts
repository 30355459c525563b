import { setTimeout as delay } from "node:timers/promises";
import { guardOf } from "../components/egress.ts";
import type { HarnessConfig } from "../config.ts";
import { deregisterTarget, registerTarget, targetHealth } from "../containers/load-balancer-targets.ts";
import { EnvironmentError } from "../errors.ts";
import { ImageResolver } from "../images/image-resolver.ts";
import { formatMs, say } from "../support/progress.ts";
import { run } from "../support/run.ts";
import { readEnvironment, writeEnvironment, type Environment } from "./environment-state.ts";
import { readDesired } from "./fleet-desired.ts";
import { fleetKit, type FleetKit } from "./fleet-kit.ts";
import { fleetMembers, memberName, scaleInChoice, type RunningMember } from "./fleet-members.ts";
import { enforceEnvironmentSecurityGroups } from "./firewall.ts";
import { terminateGroupInstance } from "./group-instances.ts";
import { containerNameOf } from "./identity.ts";
import { WAKE_SIGNAL } from "./controller-process.ts";

/** How long a new target may take to pass its first health check once its app is healthy. */
const REGISTRATION_TIMEOUT_MS = 60_000;

/** AWS's seconds on the group's clock: divided by HARNESS_TIME_SCALE, and said so when they are. */
export function scaledSeconds(seconds: number, timeScale: number): { ms: number; said: string } {
  const ms = Math.round((seconds * 1000) / timeScale);
  return {
    ms,
    said:
      timeScale === 1 ? `${seconds} s` : `${seconds} s (${formatMs(ms)} at HARNESS_TIME_SCALE=${timeScale})`,
  };
}

/** One pass of Auto Scaling's loop over the group, remembering what it saw between passes. */
class GroupLoop {
  private readonly unhealthySince = new Map<string, number>();
  private readonly launchedAt = new Map<string, number>();

  constructor(
    private readonly config: HarnessConfig,
    private readonly kit: FleetKit,
    private readonly netkit: string,
    private readonly signal: AbortSignal,
  ) {}

  private environment(): Environment {
    const environment = readEnvironment(this.config);
    if (!environment) throw new EnvironmentError(`environment "${this.config.envName}" is gone`);
    return environment;
  }

  private get albId(): string {
    return this.environment().containers.alb ?? "";
  }

  /** Every member past its grace period whose container is not running or whose target is unhealthy too long. */
  private async replacements(members: readonly RunningMember[]): Promise<[RunningMember, string][]> {
    const health = await targetHealth(this.albId, this.kit.balancer);
    const grace = scaledSeconds(this.kit.fleet.gracePeriodSeconds, this.config.timeScale);
    const now = Date.now();
    const due: [RunningMember, string][] = [];
    for (const member of members) {
      if (member.state !== "running") {
        due.push([member, `its container is ${member.state}`]);
        continue;
      }
      const target = health.find((entry) => entry.address === member.address);
      const unhealthy = this.kit.fleet.healthCheckType === "ELB" && target?.state === "unhealthy";
      if (!unhealthy) {
        this.unhealthySince.delete(member.name);
        continue;
      }
      const since = this.unhealthySince.get(member.name) ?? now;
      this.unhealthySince.set(member.name, since);
      const launched = this.launchedAt.get(member.name) ?? 0;
      if (now - launched > grace.ms)
        due.push([
          member,
          `it failed the target group's health check (ELB health checks, grace period ${grace.said})`,
        ]);
    }
    return due;
  }

  /**
   * The targets to take out with `member`: its address while it runs; a dead container has none, so
   * then every registered target no running member holds (Auto Scaling deregisters a terminated
   * instance; its address may be handed to the next container).
   */
  private async targetsOf(member: RunningMember): Promise<string[]> {
    if (member.address) return [member.address];
    const held = new Set((await fleetMembers(this.config.envName)).map((other) => other.address));
    return (await targetHealth(this.albId, this.kit.balancer))
      .map((target) => target.address)
      .filter((address) => !held.has(address));
  }

  /** Takes a member out: deregistered (draining for the delay), its EC2 instance terminated, its containers removed. */
  private async remove(member: RunningMember, drainSeconds: number): Promise<void> {
    for (const address of await this.targetsOf(member))
      await deregisterTarget(this.albId, this.kit.balancer, address, drainSeconds);
    if (member.instanceId) await terminateGroupInstance(this.kit.ec2, member.instanceId);
    const name = this.config.envName;
    await run("docker", [
      "rm",
      "-f",
      containerNameOf(name, member.name),
      containerNameOf(name, guardOf(member.name)),
    ]);
    const environment = this.environment();
    const gone = new Set([member.name, guardOf(member.name)]);
    const containers = Object.fromEntries(
      Object.entries(environment.containers).filter(([instance]) => !gone.has(instance)),
    ) as Environment["containers"];
    writeEnvironment({ ...environment, containers });
  }

  /** Launches a member as `name`: its firewall (and the database's, admitting it) in before it boots. */
  private async add(name: string): Promise<void> {
    const started = performance.now();
    const member = await this.kit.launch(name, async (id) => {
      const environment = this.environment();
      const containers = { ...environment.containers, [name]: id };
      await enforceEnvironmentSecurityGroups({ ...environment, containers }, this.netkit);
    });
    await registerTarget(this.albId, this.kit.balancer, member, REGISTRATION_TIMEOUT_MS);
    this.launchedAt.set(name, Date.now());
    const environment = this.environment();
    const containers = {
      ...environment.containers,
      [name]: member.container.getId(),
      [guardOf(name)]: containerNameOf(this.config.envName, guardOf(name)),
    };
    writeEnvironment({ ...environment, containers });
    say(
      `[controller] ${name} launched as ${member.instance.instanceId} in ${member.instance.availabilityZone}, healthy in the target group after ${formatMs(performance.now() - started)}`,
    );
  }

  /** Replaces what is due, then brings the group to its desired capacity. */
  async pass(): Promise<void> {
    const members = await fleetMembers(this.config.envName);
    for (const [member, why] of await this.replacements(members)) {
      say(`[controller] replacing ${member.name} (${member.instanceId ?? "no EC2 instance"}): ${why}`);
      this.unhealthySince.delete(member.name);
      await this.remove(member, 0);
      await this.add(member.name);
    }
    const desired = readDesired(this.environment().dir, this.kit.fleet);
    let current = await fleetMembers(this.config.envName);
    while (current.length < desired && !this.signal.aborted) {
      const name = memberName(current.map((member) => member.name));
      say(`[controller] scaling out: ${current.length} -> ${current.length + 1} (desired ${desired})`);
      await this.add(name);
      current = await fleetMembers(this.config.envName);
    }
    while (current.length > desired && !this.signal.aborted) {
      const member = scaleInChoice(current);
      const drain = scaledSeconds(
        this.kit.balancer.targetGroup.deregistrationDelaySeconds,
        this.config.timeScale,
      );
      say(
        `[controller] scaling in: ${current.length} -> ${current.length - 1} (desired ${desired}); ${member.name} drains for up to ${drain.said}`,
      );
      await this.remove(member, drain.ms / 1000);
      current = await fleetMembers(this.config.envName);
    }
  }
}

/** True while the environment is described and its load balancer's container exists. */
async function groupStillUp(config: HarnessConfig): Promise<boolean> {
  const alb = readEnvironment(config)?.containers.alb;
  if (!alb) return false;
  return (await run("docker", ["inspect", "--format", "{{.State.Status}}", alb])).code === 0;
}

/**
 * The Auto Scaling group's controller for a running phase-2 environment, until `signal` aborts: every
 * health-check interval it replaces an instance whose container died, or that failed the target
 * group's health check past the grace period (ELB health checks), and keeps the group at its desired
 * capacity (`npm run env:scale`), launching through EC2 and registering each new instance once healthy.
 */
export async function runFleetController(config: HarnessConfig, signal: AbortSignal): Promise<void> {
  const environment = readEnvironment(config);
  if (!environment?.topology.fleet)
    throw new EnvironmentError(`environment "${config.envName}" runs no Auto Scaling group (phase 2 does)`);
  const kit = await fleetKit(config, environment, signal);
  const netkit = (await new ImageResolver(config, { signal }).resolve("netkit")).reference;
  const loop = new GroupLoop(config, kit, netkit, signal);
  const every = scaledSeconds(kit.balancer.targetGroup.healthCheck.intervalSeconds, config.timeScale);
  const grace = scaledSeconds(kit.fleet.gracePeriodSeconds, config.timeScale);
  say(
    `[controller] group ${kit.group.name}: ${kit.fleet.minSize}..${kit.fleet.maxSize} instances, ${kit.fleet.healthCheckType} health checks, grace period ${grace.said}, checked every ${every.said}`,
  );
  let wake = new AbortController();
  process.on(WAKE_SIGNAL, () => wake.abort());
  while (!signal.aborted) {
    if (!(await groupStillUp(config))) {
      say(
        `[controller] environment "${config.envName}" is no longer up (its load balancer is gone): stopping`,
      );
      return;
    }
    try {
      await loop.pass();
    } catch (error) {
      if (signal.aborted) break;
      say(`[controller] ${(error as Error).message}; trying again at the next check`);
    }
    await delay(Math.max(every.ms, 1_000), undefined, {
      signal: AbortSignal.any([signal, wake.signal]),
    }).catch(() => undefined);
    if (wake.signal.aborted) wake = new AbortController();
  }
}
