import type { TwinNetworks } from "../components/component.ts";
import { run } from "../support/run.ts";
import { LABEL_OWNER, networkNameOf, ownerOf } from "./identity.ts";
import { EnvironmentError } from "../errors.ts";

/**
 * Fixed addresses in each of the twin's subnets, as a VPC has them: the resolver at the base + 2
 * (AmazonProvidedDNS), the instance's public address (the Elastic IP's stand-in) and the edge's. Docker
 * hands out the other addresses from the subnet's upper half only, so these never collide.
 */
export const ADDRESS_OFFSETS = { resolver: 2, app: 10, edge: 20 } as const;

/** An IPv4 subnet as Docker's IPAM holds it, with the range it allocates from (its upper half). */
export interface SubnetPlan {
  readonly subnet: string;
  readonly gateway: string;
  readonly ipRange: string;
}

const toNumber = (address: string) =>
  address.split(".").reduce((value, octet) => value * 256 + Number(octet), 0);
const toAddress = (value: number) =>
  [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");

/** The subnet's base address and prefix length; refuses what is not an IPv4 CIDR of /16 to /28. */
function parseCidr(cidr: string): { base: number; prefix: number } {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(cidr);
  const prefix = Number(match?.[2]);
  if (!match?.[1] || prefix < 16 || prefix > 28)
    throw new EnvironmentError(`the subnet ${cidr} is not an IPv4 CIDR between /16 and /28`);
  const size = 2 ** (32 - prefix);
  return { base: toNumber(match[1]) - (toNumber(match[1]) % size), prefix };
}

/** The address at `offset` from the subnet's base (2 -> the resolver, as in a VPC). */
export function addressIn(cidr: string, offset: number): string {
  return toAddress(parseCidr(cidr).base + offset);
}

/** The plan Docker is given for a subnet: gateway at the base + 1, dynamic addresses in the upper half. */
export function subnetPlan(cidr: string): SubnetPlan {
  const { base, prefix } = parseCidr(cidr);
  const half = 2 ** (32 - prefix - 1);
  return {
    subnet: `${toAddress(base)}/${prefix}`,
    gateway: toAddress(base + 1),
    ipRange: `${toAddress(base + half)}/${prefix + 1}`,
  };
}

interface InspectedNetwork {
  readonly owner: string;
  readonly internal: boolean;
  readonly ipam: readonly { Subnet?: string; Gateway?: string; IPRange?: string }[];
}

async function inspectNetwork(name: string): Promise<InspectedNetwork | undefined> {
  const found = await run("docker", [
    "network",
    "inspect",
    "--format",
    `{"owner":{{json (index .Labels "${LABEL_OWNER}")}},"internal":{{.Internal}},"ipam":{{json .IPAM.Config}}}`,
    name,
  ]);
  if (found.code !== 0) return undefined;
  const parsed = JSON.parse(found.stdout) as { owner: string | null; internal: boolean; ipam: null | [] };
  return { owner: parsed.owner ?? "", internal: parsed.internal, ipam: parsed.ipam ?? [] };
}

async function createWith(name: string, owner: string, internal: boolean, plan?: SubnetPlan): Promise<void> {
  const subnet = plan ? ["--subnet", plan.subnet, "--gateway", plan.gateway, "--ip-range", plan.ipRange] : [];
  const created = await run("docker", [
    "network",
    "create",
    ...(internal ? ["--internal"] : []),
    ...subnet,
    "--label",
    `${LABEL_OWNER}=${owner}`,
    name,
  ]);
  if (created.code !== 0)
    throw new EnvironmentError(`cannot create network ${name}: ${created.stderr.trim()}`);
}

/**
 * The environment's network `role` with a subnet of its own: kept from an earlier run (a resume reuses
 * it), or made now. Docker picks a free subnet (it knows the host's routes and every other network), and
 * the network is made again with that subnet stated, so the twin's fixed addresses can be assigned in it.
 */
export async function createTwinNetwork(
  environment: string,
  role: "public" | "private",
  internal: boolean,
): Promise<{ readonly name: string; readonly subnet: string }> {
  const name = networkNameOf(environment, role);
  const owner = ownerOf(environment);
  const existing = await inspectNetwork(name);
  if (existing && (existing.owner !== owner || existing.internal !== internal))
    throw new EnvironmentError(
      `a network named ${name} exists but is not this environment's ${role} network (${existing.owner || "no owner label"}, internal ${existing.internal})`,
      `remove it (docker network rm ${name}) or name the environment differently (HARNESS_ENV)`,
    );
  const planned = existing?.ipam.find((config) => config.IPRange && config.Subnet);
  if (planned?.Subnet) return { name, subnet: planned.Subnet };
  // Ours but without a stated range: made by an env:up killed half-way through, or by an older harness.
  if (existing) await removeNetwork(name);
  // Another env:up may take the subnet between its release and its claim: Docker refuses the overlap,
  // and a new pick is made.
  for (let attempt = 1; ; attempt += 1) {
    await createWith(name, owner, internal);
    const chosen = (await inspectNetwork(name))?.ipam.find((config) => config.Subnet)?.Subnet;
    await removeNetwork(name);
    if (!chosen) throw new EnvironmentError(`Docker gave the network ${name} no IPv4 subnet`);
    const plan = subnetPlan(chosen);
    try {
      await createWith(name, owner, internal, plan);
      return { name, subnet: plan.subnet };
    } catch (error) {
      if (attempt >= 5 || !/overlap/i.test(String(error))) throw error;
    }
  }
}

async function removeNetwork(name: string): Promise<void> {
  const removed = await run("docker", ["network", "rm", name]);
  if (removed.code !== 0)
    throw new EnvironmentError(
      `the network ${name} must be made again with a subnet of its own, and cannot be removed: ${removed.stderr.trim()}`,
      `take the environment down first (npm run env:down) and run env:up again`,
    );
}

/** Both networks, with the resolver's, the instance's and the edge's fixed addresses. */
export async function createTwinNetworks(environment: string): Promise<TwinNetworks> {
  const publicNet = await createTwinNetwork(environment, "public", false);
  const privateNet = await createTwinNetwork(environment, "private", true);
  return {
    public: publicNet.name,
    private: privateNet.name,
    subnets: { public: publicNet.subnet, private: privateNet.subnet },
    addresses: {
      resolver: {
        public: addressIn(publicNet.subnet, ADDRESS_OFFSETS.resolver),
        private: addressIn(privateNet.subnet, ADDRESS_OFFSETS.resolver),
      },
      app: addressIn(publicNet.subnet, ADDRESS_OFFSETS.app),
      edge: addressIn(publicNet.subnet, ADDRESS_OFFSETS.edge),
    },
  };
}
