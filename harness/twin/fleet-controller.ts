import { setTimeout as delay } from "node:timers/promises";
import type { HarnessConfig } from "../config.ts";
import { EnvironmentError } from "../errors.ts";
import { ImageResolver } from "../images/image-resolver.ts";
import { say } from "../support/progress.ts";
import { run } from "../support/run.ts";
import { WAKE_SIGNAL } from "./controller-process.ts";
import { readEnvironment } from "./environment-state.ts";
import { fleetKit } from "./fleet-kit.ts";
import { GroupLoop } from "./group-loop.ts";
import type { GroupTracking } from "./group-tracking.ts";
import { scaledSeconds } from "./scaled-seconds.ts";

/** Takes the CPU policy's datapoints on their own cadence; a new desired capacity wakes the group's loop. */
async function trackCpu(
  loop: GroupLoop,
  tracking: GroupTracking,
  signal: AbortSignal,
  decided: () => void,
): Promise<void> {
  while (!signal.aborted) {
    try {
      if (await loop.track()) decided();
    } catch (error) {
      if (signal.aborted) break;
      say(
        `[controller] CPU target tracking: ${(error as Error).message}; trying again at the next datapoint`,
      );
    }
    await delay(Math.max(tracking.dueInMs(), 250), undefined, { signal }).catch(() => undefined);
  }
}

/**
 * False once the environment is no longer described or its load balancer's container is gone; an
 * engine that does not answer for a moment is no reason to stop (the next check asks again).
 */
async function groupStillUp(config: HarnessConfig): Promise<boolean> {
  const alb = readEnvironment(config)?.containers.alb;
  if (!alb) return false;
  const inspected = await run("docker", ["inspect", "--format", "{{.State.Status}}", alb]);
  return inspected.code === 0 || !/no such (object|container)/i.test(inspected.stderr);
}

/** The parts the group stands on (the emulator's EC2, the load balancer) that are not running now. */
async function foundationDown(config: HarnessConfig): Promise<string[]> {
  const containers: Readonly<Record<string, string>> = readEnvironment(config)?.containers ?? {};
  const states = await Promise.all(
    ["emulator", "alb"].map(async (instance) => {
      const state = await run("docker", [
        "inspect",
        "--format",
        "{{.State.Status}}",
        containers[instance] ?? "",
      ]);
      return state.stdout.trim() === "running" ? [] : [`${instance} ${state.stdout.trim() || "missing"}`];
    }),
  );
  return states.flat();
}

/**
 * The Auto Scaling group's controller for a running phase-2 environment, until `signal` aborts: every
 * health-check interval it replaces an instance whose container died, or that failed the target
 * group's health check past the grace period (ELB health checks), and keeps the group at its desired
 * capacity (`npm run env:scale`), launching through EC2 and registering each new instance once healthy.
 */
export async function runFleetController(config: HarnessConfig, signal: AbortSignal): Promise<void> {
  // Listening first: env:scale's wake-up must not meet Node's default for the signal (the inspector).
  let wake = new AbortController();
  const wakeUp = () => wake.abort();
  process.on(WAKE_SIGNAL, wakeUp);
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
  if (loop.tracking) say(`[controller] ${loop.tracking.describe()}`);
  else say("[controller] the group has no scaling policy: it stays at its desired capacity");
  // The policy's datapoints keep their cadence while a pass launches or drains, as CloudWatch's do.
  const stopTracking = new AbortController();
  const trackingSignal = AbortSignal.any([signal, stopTracking.signal]);
  const tracking = loop.tracking ? trackCpu(loop, loop.tracking, trackingSignal, wakeUp) : Promise.resolve();
  let waiting = false;
  while (!signal.aborted) {
    if (!(await groupStillUp(config))) {
      say(
        `[controller] environment "${config.envName}" is no longer up (its load balancer is gone): stopping`,
      );
      break;
    }
    // An engine restart stops the emulator and the load balancer with the instances: replacing those
    // would terminate EC2 instances env:up can still resume. The group waits for env:up instead.
    const down = await foundationDown(config);
    if (down.length > 0) {
      if (!waiting)
        say(`[controller] ${down.join(", ")}: not replacing instances until env:up brings the twin back`);
      waiting = true;
    } else waiting = false;
    try {
      if (!waiting) await loop.pass();
    } catch (error) {
      if (signal.aborted) break;
      say(`[controller] ${(error as Error).message}; trying again at the next check`);
    }
    await delay(Math.max(every.ms, 1_000), undefined, {
      signal: AbortSignal.any([signal, wake.signal]),
    }).catch(() => undefined);
    if (wake.signal.aborted) wake = new AbortController();
  }
  stopTracking.abort();
  await tracking;
}
