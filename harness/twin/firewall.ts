import type { EC2Client } from "@aws-sdk/client-ec2";
import { LABEL_OWNER } from "../support/cleanup.ts";
import { run } from "../support/run.ts";
import { firewallScript, readSecurityGroups, type SecurityGroup } from "./security-groups.ts";

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
}): Promise<SecurityGroup[]> {
  const groups = await readSecurityGroups(options.ec2, Object.keys(options.members));
  const addresses: Record<string, string[]> = {};
  for (const [groupId, containers] of Object.entries(options.members)) {
    addresses[groupId] = (await Promise.all(containers.map(containerAddresses))).flat();
  }
  for (const group of groups) {
    for (const container of options.members[group.id] ?? []) {
      await inNamespace(options.netkitImage, options.owner, container, firewallScript(group, addresses));
    }
  }
  return groups;
}

/** What the firewall of a running environment needs to know (a subset of the saved Environment). */
export interface FirewalledEnvironment {
  readonly owner: string;
  readonly emulator: { readonly endpoint: string };
  readonly securityGroups: { readonly api: string; readonly database: string; readonly region: string };
  readonly containers: { readonly app: string; readonly database: string };
}

/** Applies (again) the deployed security groups to a running environment's instance and database. */
export async function enforceEnvironmentSecurityGroups(
  environment: FirewalledEnvironment,
  netkitImage: string,
): Promise<SecurityGroup[]> {
  const { emulatorClients } = await import("../cdk/emulator-clients.ts");
  return enforceSecurityGroups({
    ec2: emulatorClients(environment.emulator.endpoint, environment.securityGroups.region).ec2,
    netkitImage,
    owner: environment.owner,
    members: {
      [environment.securityGroups.api]: [environment.containers.app],
      [environment.securityGroups.database]: [environment.containers.database],
    },
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
  const restarted = await run("docker", ["restart", "--time", "10", environment.containers[component]]);
  if (restarted.code !== 0) throw new Error(`cannot restart the ${component}: ${restarted.stderr.trim()}`);
  await enforceEnvironmentSecurityGroups(environment, netkitImage);
}
