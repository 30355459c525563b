import { guardOf } from "../components/egress.ts";
import type { HarnessConfig } from "../config.ts";
import { deregisterTarget, registerTarget, targetHealth } from "../containers/load-balancer-targets.ts";
import { EnvironmentError } from "../errors.ts";
import { formatMs, say } from "../support/progress.ts";
import { run } from "../support/run.ts";
import { readEnvironment, writeEnvironment, type Environment } from "./environment-state.ts";
import { readDesired, writeDesired } from "./fleet-desired.ts";
import type { FleetKit } from "./fleet-kit.ts";
import { fleetMembers, memberName, scaleInChoice, type RunningMember } from "./fleet-members.ts";
import { finishRefresh, pendingRefresh } from "./fleet-refresh.ts";
import { enforceEnvironmentSecurityGroups } from "./firewall.ts";
import { terminateGroupInstance } from "./group-instances.ts";
import { containerNameOf } from "./identity.ts";
import { GroupTracking } from "./group-tracking.ts";
import { scaledSeconds } from "./scaled-seconds.ts";

/** How long a new target may take to pass its first health check once its app is healthy. */
const REGISTRATION_TIMEOUT_MS = 60_000;

/** One pass of Auto Scaling's loop over the group, remembering what it saw between passes. */
export class GroupLoop {
  private readonly unhealthySince = new Map<string, number>();
  /** When each instance this controller launched passed its first health check (its grace period's start). */
  private readonly launchedAt = new Map<string, number>();
  /** When each instance this controller launched began to boot (its warm-up's start). */
  private readonly bootedAt = new Map<string, number>();
  readonly tracking: GroupTracking | undefined;

  constructor(
    private readonly config: HarnessConfig,
    private readonly kit: FleetKit,
    private readonly netkit: string,
    private readonly signal: AbortSignal,
  ) {
    const policy = kit.fleet.cpuTarget;
    this.tracking = policy && new GroupTracking(kit.fleet, policy, config.timeScale);
  }

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
    this.bootedAt.set(name, Date.now());
    this.launchedAt.delete(name);
    const member = await this.kit.launch(name, async (id) => {
      const environment = this.environment();
      const containers = { ...environment.containers, [name]: id };
      await enforceEnvironmentSecurityGroups({ ...environment, containers }, this.netkit);
    });
    try {
      await registerTarget(this.albId, this.kit.balancer, member, REGISTRATION_TIMEOUT_MS);
    } catch (error) {
      // Outside the target group it would count toward the capacity and never be checked: it goes.
      await this.remove(
        {
          name,
          id: member.container.getId(),
          state: "running",
          instanceId: member.instance.instanceId,
          availabilityZone: member.instance.availabilityZone,
          address: member.address,
          launchTemplateVersion: member.instance.launchTemplateVersion,
          launchedAt: Date.parse(member.instance.launchedAt),
        },
        0,
      );
      throw new EnvironmentError(
        `${name} never joined the target group, so it was terminated: ${(error as Error).message}`,
      );
    }
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

  /** Acts on the CPU policy once its datapoint is due: true when it set a new desired capacity. */
  async track(): Promise<boolean> {
    const launched = (member: RunningMember) => this.bootedAt.get(member.name) ?? 0;
    const { dir } = this.environment();
    const capacity = readDesired(dir, this.kit.fleet);
    const observed = await this.tracking?.observe(
      await fleetMembers(this.config.envName),
      launched,
      capacity,
    );
    if (!observed) return false;
    say(`[controller] ${observed.said}`);
    const { decision } = observed;
    if (!decision) return false;
    writeDesired(dir, this.kit.fleet, decision.desired);
    say(`[controller] CPU target tracking: desired ${capacity} -> ${decision.desired}, as ${decision.why}`);
    return true;
  }

  /** How long a deregistered target drains (the target group's delay, on the group's clock). */
  private drain() {
    return scaledSeconds(this.kit.balancer.targetGroup.deregistrationDelaySeconds, this.config.timeScale);
  }

  /**
   * An instance refresh (env:refresh), one instance at a time, launching before terminating: its
   * replacement healthy in the target group first, then the old one drained for the deregistration
   * delay and terminated, so the group never serves below its capacity.
   */
  private async refresh(): Promise<void> {
    const { dir } = this.environment();
    const request = pendingRefresh(dir);
    if (!request) return;
    for (const instanceId of request.replace) {
      const members = await fleetMembers(this.config.envName);
      const old = members.find((member) => member.instanceId === instanceId);
      if (!old || this.signal.aborted) continue;
      const name = memberName(members.map((member) => member.name));
      say(`[controller] instance refresh: ${name} launched before ${old.name} (${instanceId}) goes`);
      await this.add(name);
      say(
        `[controller] instance refresh: ${old.name} drains for up to ${this.drain().said}, then terminates`,
      );
      await this.remove(old, this.drain().ms / 1000);
    }
    if (!this.signal.aborted) finishRefresh(dir);
  }

  /** Replaces what is due, refreshes when asked, then brings the group to its desired capacity. */
  async pass(): Promise<void> {
    const members = await fleetMembers(this.config.envName);
    for (const [member, why] of await this.replacements(members)) {
      say(`[controller] replacing ${member.name} (${member.instanceId ?? "no EC2 instance"}): ${why}`);
      this.unhealthySince.delete(member.name);
      await this.remove(member, 0);
      await this.add(member.name);
    }
    await this.refresh();
    // The desired capacity is read again before each step: env:scale or the policy may change it meanwhile.
    const desired = () => readDesired(this.environment().dir, this.kit.fleet);
    let current = await fleetMembers(this.config.envName);
    while (current.length < desired() && !this.signal.aborted) {
      const name = memberName(current.map((member) => member.name));
      say(`[controller] scaling out: ${current.length} -> ${current.length + 1} (desired ${desired()})`);
      await this.add(name);
      current = await fleetMembers(this.config.envName);
    }
    while (current.length > desired() && !this.signal.aborted) {
      const member = scaleInChoice(current);
      const drain = this.drain();
      say(
        `[controller] scaling in: ${current.length} -> ${current.length - 1} (desired ${desired()}); ${member.name} drains for up to ${drain.said}`,
      );
      await this.remove(member, drain.ms / 1000);
      current = await fleetMembers(this.config.envName);
    }
  }
}
