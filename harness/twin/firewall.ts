import { STANDBY } from "../components/database-standby.ts";
import type { EC2Client } from "@aws-sdk/client-ec2";
import { LABEL_OWNER } from "../support/cleanup.ts";
import { run } from "../support/run.ts";
import { firewallScript, readSecurityGroups, type SecurityGroup } from "./security-groups.ts";
import type { DeployedSecurityGroups } from "./twin-setup.ts";

/** Every IPv4 address of a container, on all its networks. */
export async function containerAddresses(containerId: string): Promise<string[]> {
  const result = await run("docker", [
    "inspect",
    "--format",
    "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}",
    containerId,
  ]);
  return result.stdout.split(/\s+/).filter((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip));
}

/** Runs a script with NET_ADMIN in a container's network namespace, on the netkit image. */
export async function inNamespace(
  image: string,
  owner: string,
  containerId: string,
  script: string,
): Promise<string> {
  const result = await run("docker", [
    "run",
    "--rm",
    "--network",
    `container:${containerId}`,
    "--cap-add",
    "NET_ADMIN",
    "--label",
    `${LABEL_OWNER}=${owner}`,
    image,
    "sh",
    "-euc",
    script,
  ]);
  if (result.code !== 0)
    throw new Error(`in the network namespace of ${containerId}: ${result.stderr.trim()}`);
  return result.stdout;
}

/**
 * Makes the twin enforce the deployed security groups port by port, not only by network separation:
 * the groups are read back from the emulator, and each stand-in's network namespace gets the iptables
 * rules of its group (a source group means its members' addresses).
 */
export async function enforceSecurityGroups(options: {
  readonly ec2: EC2Client;
  readonly netkitImage: string;
  readonly owner: string;
  /** group id -> the containers that are its members (the instance, the database). */
  readonly members: Readonly<Record<string, readonly string[]>>;
  /** Multi-AZ's nodes: each admits the others' replication on `port`, as RDS's own traffic. */
  readonly serviceNodes?: {
    readonly containers: readonly string[];
    readonly port: number;
    readonly why: string;
  };
}): Promise<SecurityGroup[]> {
  const groups = await readSecurityGroups(options.ec2, Object.keys(options.members));
  const addresses: Record<string, string[]> = {};
  for (const [groupId, containers] of Object.entries(options.members)) {
    addresses[groupId] = (await Promise.all(containers.map(containerAddresses))).flat();
  }
  const nodes = options.serviceNodes;
  const nodeAddresses = new Map(
    await Promise.all(
      (nodes?.containers ?? []).map(async (id) => [id, await containerAddresses(id)] as const),
    ),
  );
  const service = (container: string) =>
    nodes && nodeAddresses.has(container)
      ? {
          port: nodes.port,
          why: nodes.why,
          sources: [...nodeAddresses].filter(([id]) => id !== container).flatMap(([, ips]) => ips),
        }
      : undefined;
  for (const group of groups) {
    for (const container of options.members[group.id] ?? []) {
      const script = firewallScript(group, addresses, service(container));
      await inNamespace(options.netkitImage, options.owner, container, script);
    }
  }
  return groups;
}

/** What the firewall of a running environment needs to know (a subset of the saved Environment). */
export interface FirewalledEnvironment {
  readonly owner: string;
  readonly emulator: { readonly endpoint: string };
  readonly securityGroups: DeployedSecurityGroups;
  readonly containers: Readonly<Record<string, string>>;
}

/** The database's nodes: one in phase 1, Multi-AZ's two in phase 2. */
export const DATABASE_NODES = ["database", STANDBY] as const;

/**
 * Each group's member containers in a running environment: the API's instance (phase 1) or the
 * group's instances (app-1..N), the database's nodes, the load balancer and the message broker.
 */
export function groupMembers(environment: FirewalledEnvironment): Record<string, string[]> {
  const { containers, securityGroups } = environment;
  const named = (names: readonly string[]) => names.flatMap((name) => containers[name] ?? []);
  const api = Object.keys(containers).filter((name) => name === "app" || /^app-\d+$/.test(name));
  return {
    [securityGroups.api]: named(api),
    [securityGroups.database]: named(DATABASE_NODES),
    ...(securityGroups.loadBalancer ? { [securityGroups.loadBalancer]: named(["alb"]) } : {}),
    ...(securityGroups.broker ? { [securityGroups.broker]: named(["broker"]) } : {}),
  };
}

/** Multi-AZ's replication between the database's nodes, which no security group governs. */
export const replicationBetween = (containers: readonly string[]) => ({
  containers,
  port: 5432,
  why: "Multi-AZ RDS replication between its nodes",
});

/** Applies (again) the deployed security groups to a running environment's members. */
export async function enforceEnvironmentSecurityGroups(
  environment: FirewalledEnvironment,
  netkitImage: string,
): Promise<SecurityGroup[]> {
  const { emulatorClients } = await import("../cdk/emulator-clients.ts");
  const members = groupMembers(environment);
  return enforceSecurityGroups({
    ec2: emulatorClients(environment.emulator.endpoint, environment.securityGroups.region).ec2,
    netkitImage,
    owner: environment.owner,
    members,
    serviceNodes: replicationBetween(members[environment.securityGroups.database] ?? []),
  });
}

/**
 * Restarts a stand-in's container as a reboot of its resource (an RDS reboot, an instance reboot): a
 * restarted container gets a fresh network namespace, so the security groups are applied again, as AWS
 * keeps them across a reboot. A bare `docker restart` would leave the twin without its firewall.
 */
export async function rebootStandIn(
  environment: FirewalledEnvironment,
  component: "app" | "database",
  netkitImage: string,
): Promise<void> {
  const restarted = await run("docker", ["restart", "--time", "10", environment.containers[component] ?? ""]);
  if (restarted.code !== 0) throw new Error(`cannot restart the ${component}: ${restarted.stderr.trim()}`);
  await enforceEnvironmentSecurityGroups(environment, netkitImage);
}
