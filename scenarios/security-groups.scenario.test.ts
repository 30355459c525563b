import { describe, expect } from "vitest";
import { loadConfig } from "../harness/config.ts";
import { addressOn } from "../harness/drills/address-on.ts";
import {
  admittingRule,
  cidrContains,
  deployedSecurityGroups,
  describeRule,
  policyFindings,
  type SecurityGroup,
} from "../harness/drills/deployed-security-groups.ts";
import {
  attachAppToOperatorNetwork,
  createOperatorNetwork,
  operatorNetworkOf,
  removeOperatorNetwork,
} from "../harness/drills/operator-network.ts";
import { probeFromVantage, type ProbeResult } from "../harness/drills/probe-from-vantage.ts";
import { test } from "./support/scenario-test.ts";

const PORTS = [22, 80, 443, 8080, 5432] as const;
/** Documentation and private ranges: a local network there shadows nothing real on this machine. */
const SAFE_RANGES = [
  "192.0.2.0/24",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
];

interface Row {
  source: string;
  target: string;
  port: number;
  expected: "allow" | "deny";
  why: string;
  observed: ProbeResult;
}

/**
 * Replays both security groups against the running twin: reads them from the emulator, computes who may
 * reach what, probes from vantage points (the internet, the operator's address, a member of each group),
 * and compares. Allowed means the connection reached the instance (open, or refused by a port nothing
 * listens on); denied means it never got there (dropped, or no route).
 */
describe("security-group replay", () => {
  const operatorCidr = loadConfig().operatorCidr;
  const operatorIp = operatorCidr.split("/")[0] as string;
  let groups: SecurityGroup[];
  let apiGroup: SecurityGroup;
  let databaseGroup: SecurityGroup;
  const rows: Row[] = [];

  test.beforeAll(async ({ twin }) => {
    groups = await deployedSecurityGroups(twin);
    apiGroup = groups.find((group) => group.id === twin.securityGroups.api) as SecurityGroup;
    databaseGroup = groups.find((group) => group.id === twin.securityGroups.database) as SecurityGroup;
  });

  test.afterAll(async ({ twin }) => {
    await removeOperatorNetwork(twin);
    if (rows.length === 0) return;
    const table = rows.map(
      (row) =>
        `${row.source.padEnd(16)} ${`${row.target}:${row.port}`.padEnd(16)} ${row.expected.padEnd(6)} ${row.observed.padEnd(11)} ${row.why}`,
    );
    console.log(
      `\nsecurity-group replay (source, target:port, expected, observed, rule):\n${table.join("\n")}\n`,
    );
  });

  test("reads both groups, with their rules, back from the emulator", () => {
    expect(apiGroup.ingress.length).toBeGreaterThan(0);
    expect(databaseGroup.ingress.some((rule) => rule.sourceGroups.includes(apiGroup.id))).toBe(true);
  });

  test("finds no forbidden rule (SSH open to the world), and warns about the risky ones", () => {
    const findings = policyFindings(groups);
    for (const warning of findings.warnings) console.warn(`[security-groups] warning: ${warning}`);
    expect(findings.violations).toEqual([]);
  });

  test("enforces every rule, port by port, from every vantage point", async ({ twin }) => {
    const operatorNetwork = operatorNetworkOf(twin);
    const appPublic = await addressOn(twin.containers.app, twin.networks.public);
    const appPrivate = await addressOn(twin.containers.app, twin.networks.private);
    const database = await addressOn(twin.containers.database, twin.networks.private);
    const targets = (instance: string | undefined) => [
      ...PORTS.map((port) => ({ name: "instance", address: instance, group: apiGroup, port })),
      ...PORTS.map((port) => ({ name: "database", address: database, group: databaseGroup, port })),
    ];

    // The vantage points: where they probe from, the instance's address they can see, their own groups.
    // `from` is the source address the targets see (undefined: the vantage point's own, single address).
    const vantages: {
      source: string;
      network: string;
      ip?: string;
      from?: string;
      instance?: string;
      groups: string[];
    }[] = [
      { source: "internet", network: twin.networks.public, instance: appPublic, groups: [] },
      {
        source: "api member",
        network: `container:${twin.containers.app}`,
        from: appPrivate,
        groups: [apiGroup.id],
      },
      {
        source: "database member",
        network: `container:${twin.containers.database}`,
        from: database,
        instance: appPrivate,
        groups: [databaseGroup.id],
      },
    ];
    if (SAFE_RANGES.some((range) => cidrContains(range, operatorIp))) {
      const base = operatorIp.split(".").slice(0, 3).join(".");
      const created = await createOperatorNetwork(twin, `${base}.0/24`);
      expect(created.code, created.stderr).toBe(0);
      const instanceIp = `${base}.${operatorIp.endsWith(".20") ? 21 : 20}`;
      await attachAppToOperatorNetwork(twin, instanceIp);
      vantages.push({
        source: "operator",
        network: operatorNetwork,
        ip: operatorIp,
        from: operatorIp,
        instance: instanceIp,
        groups: [],
      });
    } else {
      console.warn(
        `[security-groups] no operator vantage point: ${operatorCidr} is a routable address, not shadowed here`,
      );
    }

    for (const vantage of vantages) {
      const planned = targets(vantage.instance).filter(
        // A member probing its own address goes over loopback, which no security group governs.
        (target) =>
          target.address !== undefined &&
          !(vantage.source === "api member" && target.name === "instance") &&
          !(vantage.source === "database member" && target.name === "database"),
      );
      const probed = await probeFromVantage(
        vantage.network,
        twin.owner,
        planned.map((target) => [target.address as string, target.port] as const),
        vantage.ip,
      );
      planned.forEach((target, index) => {
        const from = vantage.from ?? probed.addresses[0] ?? "0.0.0.0";
        const reachable =
          target.name === "instance"
            ? vantage.instance !== undefined
            : vantage.source === "api member" || vantage.source === "database member";
        const rule = reachable
          ? admittingRule(target.group, { ip: from, groups: vantage.groups }, target.port)
          : undefined;
        rows.push({
          source: vantage.source,
          target: target.name,
          port: target.port,
          expected: rule ? "allow" : "deny",
          why: rule ? describeRule(rule) : reachable ? "no rule admits it" : "no route (different network)",
          observed: probed.results[index] as ProbeResult,
        });
      });
    }

    const reached = (observed: ProbeResult) => observed === "open" || observed === "refused";
    const mismatches = rows.filter((row) => (row.expected === "allow") !== reached(row.observed));
    expect(mismatches).toEqual([]);
    // The replay proves both ways: some pairs were let through, others stopped by a rule, not a network.
    expect(rows.some((row) => row.expected === "allow" && row.observed === "open")).toBe(true);
    expect(rows.some((row) => row.expected === "deny" && row.why === "no rule admits it")).toBe(true);
  }, 120_000);
});
