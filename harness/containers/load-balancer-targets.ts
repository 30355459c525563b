import { setTimeout as delay } from "node:timers/promises";
import { EnvironmentError } from "../errors.ts";
import { run } from "../support/run.ts";
import type { HealthCheck, LoadBalancerTopology } from "../twin/load-balancer-topology.ts";
import { backendOf, LOAD_BALANCER_PATHS, SLOT_PREFIX } from "./load-balancer-config.ts";

// ELB's target registration, played through HAProxy's runtime API (socat on its admin socket inside the
// container): a registered target must pass one health check before it gets traffic (ELB's "initial"
// state), then HAProxy checks it as the target group says; a deregistered one gets no new requests and
// its connections are closed once they end or the deregistration delay has passed.

/** A slot's maintenance bits in `show servers state` (forced, inherited, resolution). */
const MAINTENANCE_BITS = 0x01 | 0x02 | 0x20;
const EMPTY_ADDRESS = "0.0.0.0";

/** One registered target as the load balancer sees it. */
export interface TargetHealth {
  readonly slot: string;
  readonly address: string;
  /** healthy: gets traffic; unhealthy: failed its checks; draining: deregistered, connections ending. */
  readonly state: "healthy" | "unhealthy" | "draining";
  readonly sessions: number;
}

/** One command to HAProxy's runtime API in the load balancer container; its answer. */
export async function runtimeCommand(containerId: string, command: string): Promise<string> {
  const script = `echo "$1" | socat -t 5 stdio UNIX-CONNECT:${LOAD_BALANCER_PATHS.runtimeSocket}`;
  const result = await run("docker", ["exec", containerId, "sh", "-c", script, "runtime", command]);
  if (result.code !== 0)
    throw new EnvironmentError(
      `the load balancer's runtime API did not take "${command}": ${(result.stderr || result.stdout).trim()}`,
    );
  return result.stdout;
}

interface Slot {
  readonly name: string;
  readonly address: string;
  readonly running: boolean;
  readonly maintenance: boolean;
}

async function slots(containerId: string, backend: string): Promise<Slot[]> {
  const table = await runtimeCommand(containerId, `show servers state ${backend}`);
  return table
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#") && line.includes(" "))
    .map((line) => line.split(" "))
    .filter((fields) => fields.length > 7)
    .map((fields) => ({
      name: String(fields[3]),
      address: String(fields[4]),
      running: fields[5] === "2",
      maintenance: (Number(fields[6]) & MAINTENANCE_BITS) !== 0,
    }));
}

/** Current sessions per slot, from the statistics' CSV. */
async function sessions(containerId: string, backend: string): Promise<Map<string, number>> {
  const csv = (await runtimeCommand(containerId, "show stat")).split("\n");
  const header = (csv[0] ?? "").replace(/^# /, "").split(",");
  const [proxy, server, current] = ["pxname", "svname", "scur"].map((name) => header.indexOf(name));
  return new Map(
    csv
      .slice(1)
      .map((line) => line.split(","))
      .filter((fields) => fields[proxy ?? 0] === backend)
      .map((fields) => [String(fields[server ?? 1]), Number(fields[current ?? 4])]),
  );
}

/** Whether an HTTP status is one the matcher admits ("200", "200,302", "200-299"). */
export function statusMatches(codes: string, status: number): boolean {
  return codes.split(",").some((part) => {
    const [from, to] = part.trim().split("-").map(Number);
    return to === undefined ? status === from : status >= (from ?? 0) && status <= to;
  });
}

/** One health check of a target as the target group defines it, from the load balancer's namespace. */
async function checkOnce(
  containerId: string,
  group: { logicalId: string; healthCheck: HealthCheck },
  address: string,
): Promise<{ status: number | undefined; answer: string }> {
  const check = group.healthCheck;
  const request = `GET ${check.path} HTTP/1.1\r\nHost: ${group.logicalId}\r\nUser-Agent: ELB-HealthChecker/2.0\r\nConnection: close\r\n\r\n`;
  const timeout = check.timeoutSeconds;
  const script = `printf '%s' "$1" | socat -t ${timeout} -T ${timeout} - TCP:"$2":${check.port},connect-timeout=${timeout}`;
  const result = await run("docker", ["exec", containerId, "sh", "-c", script, "check", request, address]);
  const statusLine = result.stdout.split("\r\n")[0] ?? "";
  const status = Number(statusLine.match(/^HTTP\/1\.[01] (\d{3})/)?.[1]);
  const failure = result.stderr
    .trim()
    .split("\n")
    .pop()
    ?.replace(/^.*socat\[\d+\] E /, "");
  const answer = Number.isNaN(status) ? failure || `no answer within ${timeout} s` : statusLine.trim();
  return { status: Number.isNaN(status) ? undefined : status, answer };
}

const slotIndex = (name: string) => name.slice(SLOT_PREFIX.target.length);

/**
 * Registers a target at `address`: it takes a free slot (or the one it already holds: healthy there,
 * it is left as it is), must pass one health check (checked every interval until `timeoutMs`), and is then enabled with its fail-open twin.
 * A target that never passes fails with what its health check answered.
 */
export async function registerTarget(
  containerId: string,
  balancer: LoadBalancerTopology,
  target: { name: string; address: string },
  timeoutMs: number,
): Promise<string> {
  const backend = backendOf(balancer);
  const all = await slots(containerId, backend);
  const targets = all.filter((slot) => slot.name.startsWith(SLOT_PREFIX.target));
  const held = targets.find((slot) => slot.address === target.address);
  if (held && !held.maintenance && held.running) return held.name;
  const slot = held ?? targets.find((candidate) => candidate.address === EMPTY_ADDRESS);
  if (!slot)
    throw new EnvironmentError(
      `the load balancer has no free target slot for ${target.name} (${targets.length} are registered)`,
    );
  const open = `${SLOT_PREFIX.open}${slotIndex(slot.name)}`;
  for (const name of [slot.name, open])
    await runtimeCommand(containerId, `set server ${backend}/${name} addr ${target.address}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, answer } = await checkOnce(containerId, balancer.targetGroup, target.address);
    if (status !== undefined && statusMatches(balancer.targetGroup.healthCheck.codes, status)) break;
    if (Date.now() > deadline) {
      for (const name of [slot.name, open])
        await runtimeCommand(containerId, `set server ${backend}/${name} addr ${EMPTY_ADDRESS}`);
      const check = balancer.targetGroup.healthCheck;
      throw new EnvironmentError(
        `${target.name} (${target.address}) failed the target group's health check: GET ${check.path} on port ${check.port} answered "${answer}", expected ${check.codes}`,
        `serve ${check.path} with ${check.codes} from the jar, or change the target group's healthCheck in infra/`,
      );
    }
    await delay(balancer.targetGroup.healthCheck.intervalSeconds * 1000);
  }
  for (const name of [slot.name, open]) await runtimeCommand(containerId, `enable server ${backend}/${name}`);
  // A target that is back (a restarted instance at its old address) passed the check just now: it is
  // healthy at once, as a new registration is, not after the healthy threshold's run of checks.
  await runtimeCommand(containerId, `set server ${backend}/${slot.name} health up`);
  return slot.name;
}

/**
 * Deregisters the target at `address`: no new requests from now on, its connections closed once they
 * have ended or `delaySeconds` (the target group's deregistration delay) has passed, then its slot freed.
 */
export async function deregisterTarget(
  containerId: string,
  balancer: LoadBalancerTopology,
  address: string,
  delaySeconds: number,
): Promise<void> {
  const backend = backendOf(balancer);
  const slot = (await slots(containerId, backend)).find(
    (candidate) => candidate.name.startsWith(SLOT_PREFIX.target) && candidate.address === address,
  );
  if (!slot) return;
  // The fail-open twin first: the target stays checked until it is out of rotation.
  const names = [`${SLOT_PREFIX.open}${slotIndex(slot.name)}`, slot.name];
  for (const name of names) await runtimeCommand(containerId, `disable server ${backend}/${name}`);
  const deadline = Date.now() + delaySeconds * 1000;
  while (Date.now() < deadline) {
    const current = await sessions(containerId, backend);
    if (names.every((name) => (current.get(name) ?? 0) === 0)) break;
    await delay(200);
  }
  for (const name of names) {
    await runtimeCommand(containerId, `shutdown sessions server ${backend}/${name}`);
    await runtimeCommand(containerId, `set server ${backend}/${name} addr ${EMPTY_ADDRESS}`);
  }
}

/** The registered targets and their health, as DescribeTargetHealth would list them. */
export async function targetHealth(
  containerId: string,
  balancer: LoadBalancerTopology,
): Promise<TargetHealth[]> {
  const backend = backendOf(balancer);
  const current = await sessions(containerId, backend);
  return (await slots(containerId, backend))
    .filter((slot) => slot.name.startsWith(SLOT_PREFIX.target) && slot.address !== EMPTY_ADDRESS)
    .map((slot) => ({
      slot: slot.name,
      address: slot.address,
      state: slot.maintenance ? "draining" : slot.running ? "healthy" : "unhealthy",
      sessions: current.get(slot.name) ?? 0,
    }));
}
