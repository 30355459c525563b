import { run } from "../support/run.ts";
import { loggedSince } from "./logged-since.ts";
import { waitResumed } from "./resumed-wait.ts";

/**
 * The netfilter log group the guard's rules send each refused packet to. Groups belong to a network
 * namespace, so every guarded namespace uses the same one; the instance's boot waits until a listener
 * is bound to it (`/proc/net/netfilter/nfnetlink_log`) before it runs anything.
 */
export const EGRESS_LOG_GROUP = 8;

/** The chain the guard owns in the OUTPUT hook of the namespace it guards. */
const CHAIN = "TWIN_EGRESS";

/** What the guard's recorder (tcpdump on the log group) writes: once it listens, and each refused packet. */
export const GUARD_LINES = {
  listening: new RegExp(`listening on nflog:${EGRESS_LOG_GROUP}\\b`),
  /** "IP 172.30.88.10.43512 > 203.0.113.7.443: tcp 0", "... > 198.51.100.1.53: UDP, length 40". */
  refused: /IP (\d+\.\d+\.\d+\.\d+)(?:\.\d+)? > (\d+\.\d+\.\d+\.\d+)(?:\.(\d+))?: (tcp|UDP|ICMP)/,
} as const;

/**
 * The rules: everything a namespace sends stays allowed when it goes to loopback, to the twin's own
 * subnets, or belongs to a connection already made; any other packet is logged to the group, then refused
 * (a TCP connect fails at once, as an unreachable port), so nothing of the twin reaches another address.
 */
export function egressRules(allowed: readonly string[]): string {
  return [
    `iptables -N ${CHAIN} 2>/dev/null || iptables -F ${CHAIN}`,
    `iptables -A ${CHAIN} -o lo -j RETURN`,
    `iptables -A ${CHAIN} -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN`,
    ...allowed.map((cidr) => `iptables -A ${CHAIN} -d ${cidr} -j RETURN`),
    `iptables -A ${CHAIN} -j NFLOG --nflog-group ${EGRESS_LOG_GROUP}`,
    `iptables -A ${CHAIN} -p tcp -j REJECT --reject-with tcp-reset`,
    `iptables -A ${CHAIN} -j REJECT`,
    `iptables -C OUTPUT -j ${CHAIN} 2>/dev/null || iptables -I OUTPUT -j ${CHAIN}`,
  ].join("\n");
}

/** The guard's command: the rules, then the recorder on the log group (env:up and compose run this). */
export function guardScript(allowed: readonly string[]): string {
  return `${egressRules(allowed)}\nexec tcpdump -l -n -q -i nflog:${EGRESS_LOG_GROUP}`;
}

export interface EgressGuardSpec {
  /** The netkit image (iptables, tcpdump). */
  readonly image: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The twin's subnets: the only destinations outside loopback a guarded namespace may send to. */
  readonly allowed: readonly string[];
}

/** What became of the guard: made now, found guarding the target's current namespace, or started again. */
export type GuardOutcome = "started" | "kept" | "restarted";

interface Found {
  readonly id: string;
  readonly running: boolean;
  readonly startedAt: string;
  /** "container:<id>" for a guard: the container whose namespace it joins. */
  readonly networkMode: string;
}

async function inspect(nameOrId: string): Promise<Found | undefined> {
  const found = await run("docker", [
    "inspect",
    "--format",
    "{{.Id}} {{.State.Running}} {{.State.StartedAt}} {{.HostConfig.NetworkMode}}",
    nameOrId,
  ]);
  if (found.code !== 0) return undefined;
  const [id = "", running = "", startedAt = "", networkMode = ""] = found.stdout.trim().split(" ");
  return { id, running: running === "true", startedAt, networkMode };
}

async function create(spec: EgressGuardSpec, targetId: string): Promise<void> {
  const labels = Object.entries(spec.labels).flatMap(([key, value]) => ["--label", `${key}=${value}`]);
  const made = await run("docker", [
    "run",
    "--detach",
    "--name",
    spec.name,
    "--network",
    `container:${targetId}`,
    "--cap-add",
    "NET_ADMIN",
    ...labels,
    "--memory",
    "64m",
    spec.image,
    "sh",
    "-euc",
    guardScript(spec.allowed),
  ]);
  if (made.code !== 0) throw new Error(`cannot start the egress guard ${spec.name}: ${made.stderr.trim()}`);
}

/**
 * Puts the guard in the network namespace of the running container `targetId`: the egress rules, and a
 * recorder of what they refuse on its log. A guard already running since the target last started is
 * kept; one from before (the target was restarted, so its namespace is new) is started again, which
 * joins the current namespace and applies the rules there, keeping its log; a missing one is made.
 * Resolves once the recorder listens, so the rules are in place.
 */
export async function ensureEgressGuard(
  spec: EgressGuardSpec,
  targetId: string,
  signal: AbortSignal,
): Promise<GuardOutcome> {
  const [target, found] = await Promise.all([inspect(targetId), inspect(spec.name)]);
  if (!target?.running) throw new Error(`cannot guard ${targetId}: it is not running`);
  // A guard of a container that was since replaced (a rebuilt target) joins nothing: made anew.
  const guard = found?.networkMode === `container:${target.id}` ? found : undefined;
  if (found && !guard) await run("docker", ["rm", "-f", spec.name]);
  if (guard?.running && Date.parse(guard.startedAt) >= Date.parse(target.startedAt)) return "kept";
  const since = Math.floor(Date.now() / 1000) - 1;
  if (guard) {
    const restarted = await run("docker", ["restart", "--time", "1", spec.name]);
    if (restarted.code !== 0)
      throw new Error(`cannot start the egress guard ${spec.name} again: ${restarted.stderr.trim()}`);
  } else {
    await create(spec, targetId);
  }
  await waitResumed(
    spec.name,
    spec.name,
    () => loggedSince(spec.name, since, GUARD_LINES.listening),
    signal,
    30_000,
  );
  return guard ? "restarted" : "started";
}
