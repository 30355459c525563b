import { join } from "node:path";
import type { HarnessConfig } from "../config.ts";

export type DebianSuite = "bookworm" | "trixie";
export type ComponentName =
  | "localstack"
  | "postgres"
  | "nginx"
  | "jre"
  | "instance"
  | "edge"
  | "netkit"
  | "dns"
  | "haproxy"
  | "broker"
  | "moto";

/** One image the twin needs: a pinned upstream reference and an offline recipe that builds an equivalent. */
export interface ImageSpec {
  readonly component: ComponentName;
  readonly purpose: string;
  /** Exact upstream reference, used when a registry answers; none when only the recipe builds it. */
  readonly upstream: string | undefined;
  /** Directory of the offline recipe (a Dockerfile taking `ARG BASE_IMAGE`). */
  readonly recipeDir: string;
  /** The debootstrapped Debian suite the recipe builds FROM. */
  readonly base: DebianSuite;
  /** False when the user picked an upstream image the recipe does not reproduce (a newer LocalStack). */
  readonly recipeMatchesUpstream: boolean;
}

/** The last LocalStack release that starts without an auth token (later ones exit 55 without one). */
export const LOCALSTACK_TOKEN_FREE = "localstack/localstack:4.14.0";

const UPSTREAM: Record<ComponentName, string | undefined> = {
  localstack: LOCALSTACK_TOKEN_FREE,
  postgres: "postgres:15.14-bookworm",
  nginx: "nginx:1.28.0-bookworm",
  jre: "amazoncorretto:17.0.16-al2023-headless",
  // No published image has the instance's user-data tools and stand-ins: the recipe is the only source.
  instance: undefined,
  edge: "node:20.19.2-bookworm-slim",
  netkit: "nicolaka/netshoot:v0.14",
  dns: undefined,
  haproxy: "haproxy:2.6.12-bullseye",
  // Debian's ActiveMQ with the twin's configuration and entrypoint: the recipe is the only source.
  broker: undefined,
  moto: "motoserver/moto:5.1.17",
};

const PURPOSE: Record<ComponentName, string> = {
  localstack: "AWS emulator (LocalStack community, Python 3.13)",
  postgres: "stands in for RDS PostgreSQL 15",
  nginx: "TLS proxy of the API (the instance's nginx)",
  jre: "Java 17 runtime for the benchmarks' and tests' bare jar runs",
  instance:
    "the EC2 instance: Java 17, the AWS CLI, jq and openssl for its user data, cloud-init's and systemd's stand-ins",
  edge: "Node.js runtime of the CloudFront-like edge",
  netkit: "network tools (tc, iptables) for fault injection and firewalling inside a component's namespace",
  dns: "the VPC's resolver (AmazonProvidedDNS): Debian's dnsmasq answering the Route 53 zone, NXDOMAIN otherwise",
  haproxy: "the application load balancer (phase 2): Debian's HAProxy, configured from the ELBv2 resources",
  broker: "the message broker (phase 2): Debian's ActiveMQ 5.17.6 for Amazon MQ's ActiveMQ, STOMP over TLS",
  moto: "Moto's server, a second AWS emulator: the benchmarks' anchor for LocalStack (not part of the twin)",
};

const BASE: Record<ComponentName, DebianSuite> = {
  localstack: "trixie",
  postgres: "bookworm",
  nginx: "bookworm",
  jre: "bookworm",
  instance: "bookworm",
  edge: "trixie",
  netkit: "bookworm",
  dns: "bookworm",
  haproxy: "bookworm",
  broker: "trixie",
  moto: "trixie",
};

/** The images the twin and the scenarios use: env:up resolves them all. */
export const COMPONENTS: readonly ComponentName[] = [
  "localstack",
  "postgres",
  "nginx",
  "jre",
  "instance",
  "edge",
  "netkit",
  "dns",
  "haproxy",
  "broker",
];

/** Images only the benchmarks use, resolved when a benchmark asks for them. */
export const BENCH_COMPONENTS: readonly ComponentName[] = ["moto"];

/** The image catalog for this configuration (the LocalStack reference may be overridden by the user). */
export function imageCatalog(config: HarnessConfig): Record<ComponentName, ImageSpec> {
  const spec = (component: ComponentName): ImageSpec => {
    const overridden = component === "localstack" && config.localstackImage !== undefined;
    return {
      component,
      purpose: PURPOSE[component],
      upstream: overridden ? (config.localstackImage as string) : UPSTREAM[component],
      recipeDir: join(config.recipesDir, component),
      base: BASE[component],
      recipeMatchesUpstream: !overridden || config.localstackImage === LOCALSTACK_TOKEN_FREE,
    };
  };
  return {
    localstack: spec("localstack"),
    postgres: spec("postgres"),
    nginx: spec("nginx"),
    jre: spec("jre"),
    instance: spec("instance"),
    edge: spec("edge"),
    netkit: spec("netkit"),
    dns: spec("dns"),
    haproxy: spec("haproxy"),
    broker: spec("broker"),
    moto: spec("moto"),
  };
}
