import type { EntryPoint } from "../twin/entry-points.ts";

/** Where the compose twin's setup service leaves what the other services mount (named volumes). */
export const COMPOSE_VOLUMES = {
  emulatorInfo: "/twin/emulator-info",
  instanceBoot: "/twin/instance-boot",
  instanceRelease: "/twin/instance-release",
  instanceAws: "/twin/instance-aws",
  apiTls: "/twin/api-tls",
  edge: "/twin/edge",
  databaseSecret: "/twin/database-secret",
  dnsRecords: "/twin/dns-records",
} as const;

/**
 * The compose twin's subnets: /24s whose first three octets the user may move (TWIN_PUBLIC_NET,
 * TWIN_PRIVATE_NET) when they collide with a network of theirs; the fixed addresses follow them.
 */
export const COMPOSE_SUBNETS = {
  public: "${TWIN_PUBLIC_NET:-172.30.88}",
  private: "${TWIN_PRIVATE_NET:-172.30.89}",
} as const;

/** The address `offset` in a compose subnet (as compose interpolates it). */
export const composeAddress = (role: keyof typeof COMPOSE_SUBNETS, offset: number) =>
  `${COMPOSE_SUBNETS[role]}.${offset}`;

/** A compose subnet's CIDR (as compose interpolates it). */
export const composeSubnet = (role: keyof typeof COMPOSE_SUBNETS) => `${COMPOSE_SUBNETS[role]}.0/24`;

/** A compose network's IPAM: gateway at .1, Docker's own addresses from the upper half only. */
export const composeIpam = (role: keyof typeof COMPOSE_SUBNETS) => ({
  config: [
    {
      subnet: composeSubnet(role),
      gateway: `${COMPOSE_SUBNETS[role]}.1`,
      ip_range: `${COMPOSE_SUBNETS[role]}.128/25`,
    },
  ],
});

/** An entry point's ports as compose publishes them: on its loopback address, with the same numbers. */
export const composePorts = (point: EntryPoint) =>
  point.ports.map((port) => `${point.address}:${port}:${port}`);

/** A value compose must not interpolate: every `$` doubled. */
export const composeLiteral = (text: string) => text.replace(/\$/g, "$$$$");
