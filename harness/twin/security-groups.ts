import { DescribeSecurityGroupsCommand, type EC2Client } from "@aws-sdk/client-ec2";

/** One ingress permission of a security group, as EC2 describes it. */
export interface IngressRule {
  readonly groupId: string;
  readonly groupName: string;
  /** "tcp", "udp", "icmp" or "-1" (all). */
  readonly protocol: string;
  readonly fromPort: number | undefined;
  readonly toPort: number | undefined;
  readonly cidrs: readonly string[];
  readonly sourceGroups: readonly string[];
  readonly description: string;
}

export interface SecurityGroup {
  readonly id: string;
  readonly name: string;
  readonly ingress: readonly IngressRule[];
}

/** The groups as deployed to the emulator (EC2 DescribeSecurityGroups), not as synthesized. */
export async function readSecurityGroups(ec2: EC2Client, ids: readonly string[]): Promise<SecurityGroup[]> {
  const described = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [...ids] }));
  return (described.SecurityGroups ?? []).map((group) => ({
    id: group.GroupId ?? "",
    name: group.GroupName ?? "",
    ingress: (group.IpPermissions ?? []).flatMap((permission) => {
      const base = {
        groupId: group.GroupId ?? "",
        groupName: group.GroupName ?? "",
        protocol: permission.IpProtocol ?? "-1",
        fromPort: permission.FromPort,
        toPort: permission.ToPort,
      };
      const cidrs = (permission.IpRanges ?? []).map((range) => ({
        ...base,
        cidrs: [range.CidrIp ?? ""],
        sourceGroups: [],
        description: range.Description ?? "",
      }));
      const groups = (permission.UserIdGroupPairs ?? []).map((pair) => ({
        ...base,
        cidrs: [],
        sourceGroups: [pair.GroupId ?? ""],
        description: pair.Description ?? "",
      }));
      return [...cidrs, ...groups];
    }),
  }));
}

const toNumber = (ip: string) => ip.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);

/** Whether an IPv4 address is inside a CIDR block. */
export function cidrContains(cidr: string, ip: string): boolean {
  const [base = "", bits = "32"] = cidr.split("/");
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toNumber(ip) / size) === Math.floor(toNumber(base) / size);
}

/** A TCP connection's source: its address and the groups its instance is a member of. */
export interface Source {
  readonly ip: string;
  readonly groups: readonly string[];
}

const coversTcpPort = (rule: IngressRule, port: number) =>
  rule.protocol === "-1" ||
  (rule.protocol === "tcp" && (rule.fromPort ?? 0) <= port && port <= (rule.toPort ?? 65535));

/** The first rule of a group that admits a TCP connection from `source` to `port`, if any. */
export function admittingRule(group: SecurityGroup, source: Source, port: number): IngressRule | undefined {
  return group.ingress.find(
    (rule) =>
      coversTcpPort(rule, port) &&
      (rule.cidrs.some((cidr) => cidrContains(cidr, source.ip)) ||
        rule.sourceGroups.some((id) => source.groups.includes(id))),
  );
}

export const describeRule = (rule: IngressRule) =>
  `${rule.groupName}: ${rule.protocol === "-1" ? "all" : `${rule.protocol} ${rule.fromPort === rule.toPort ? rule.fromPort : `${rule.fromPort}-${rule.toPort}`}`} from ${[...rule.cidrs, ...rule.sourceGroups].join(", ")}${rule.description ? ` (${rule.description})` : ""}`;

const CHAIN = "TWIN-SG";

/**
 * Traffic of the managed service itself, which no security group governs: Multi-AZ RDS's replication
 * between its two nodes. Admitted on `port` from the other nodes' addresses only, and said so.
 */
export interface ServiceTraffic {
  readonly port: number;
  readonly sources: readonly string[];
  readonly why: string;
}

/**
 * The iptables script that makes a container's network namespace enforce a group's ingress rules, as
 * a security group does: established traffic and loopback pass, each rule admits its sources (a source
 * group is the addresses of its members' interfaces), everything else is dropped silently.
 */
export function firewallScript(
  group: SecurityGroup,
  members: Readonly<Record<string, readonly string[]>>,
  service?: ServiceTraffic,
): string {
  const lines = [
    `iptables -N ${CHAIN} 2>/dev/null || iptables -F ${CHAIN}`,
    `iptables -A ${CHAIN} -i lo -j ACCEPT`,
    `iptables -A ${CHAIN} -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT`,
    ...(service?.sources ?? []).map(
      (source) =>
        `iptables -A ${CHAIN} -p tcp --dport ${service?.port} -s ${source}/32 -m comment --comment ${JSON.stringify(service?.why.slice(0, 250))} -j ACCEPT`,
    ),
  ];
  for (const rule of group.ingress) {
    const protocol =
      rule.protocol === "-1"
        ? ""
        : rule.protocol === "tcp" || rule.protocol === "udp"
          ? `-p ${rule.protocol}${rule.fromPort === undefined ? "" : ` --dport ${rule.fromPort}:${rule.toPort ?? rule.fromPort}`}`
          : undefined;
    if (protocol === undefined) continue;
    const sources = [
      ...rule.cidrs,
      ...rule.sourceGroups.flatMap((id) => (members[id] ?? []).map((ip) => `${ip}/32`)),
    ];
    const comment = `-m comment --comment ${JSON.stringify(describeRule(rule).slice(0, 250))}`;
    for (const source of sources)
      lines.push(`iptables -A ${CHAIN} ${protocol} -s ${source} ${comment} -j ACCEPT`);
  }
  lines.push(
    `iptables -A ${CHAIN} -j DROP`,
    `iptables -C INPUT -j ${CHAIN} 2>/dev/null || iptables -I INPUT -j ${CHAIN}`,
  );
  return lines.join("\n");
}

/** Findings about the rules themselves, reported with the replay. */
export function policyFindings(groups: readonly SecurityGroup[]): {
  warnings: string[];
  violations: string[];
} {
  const world = (rule: IngressRule) => rule.cidrs.includes("0.0.0.0/0");
  const warnings: string[] = [];
  const violations: string[] = [];
  for (const rule of groups.flatMap((group) => group.ingress)) {
    if (world(rule) && coversTcpPort(rule, 8080))
      warnings.push(`${describeRule(rule)}: port 8080 is open to the world, which bypasses the TLS proxy`);
    if (world(rule) && coversTcpPort(rule, 22))
      violations.push(`${describeRule(rule)}: SSH (22) must never be open to 0.0.0.0/0`);
  }
  return { warnings, violations };
}
