import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { GenericContainer, Wait } from "testcontainers";
import { attachExtraNetworks, useResolver, type ContainerNetwork } from "../containers/extra-networks.ts";
import { bindPublishedPortsToLoopback } from "../containers/loopback.ts";
import { LABEL_OWNER } from "../support/cleanup.ts";
import type { IssuedCertificate } from "../tls/local-ca.ts";
import type { EdgeConfig } from "./edge-config.ts";

const SERVER_SOURCE = fileURLToPath(new URL("edge-server.ts", import.meta.url));
const IN_CONTAINER = {
  server: "/opt/edge/edge-server.cjs",
  config: "/etc/edge/config.json",
  cert: "/etc/edge/tls/fullchain.pem",
  key: "/etc/edge/tls/privkey.pem",
} as const;

/** Bundles the edge server (harness/edge/edge-server.ts and the SigV4 signer) into one file for Node 20. */
export async function bundleEdgeServer(outDir: string): Promise<string> {
  const outfile = join(outDir, "edge-server.cjs");
  await build({
    entryPoints: [SERVER_SOURCE],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    outfile,
    logLevel: "error",
    legalComments: "none",
  });
  return outfile;
}

export interface EdgeContainerOptions {
  readonly image: string;
  readonly owner: string;
  readonly bundle: string;
  /** The distribution's behaviour; TLS files and ports are filled in for the container. */
  readonly config: Omit<EdgeConfig, "tls" | "ports">;
  readonly certificate: IssuedCertificate;
  /** The twin's public network, where the origin (the emulator's S3) is reached. */
  readonly network: string;
  readonly alias: string;
  /** Its fixed address on that network (where the site's records lead inside the twin). */
  readonly ip?: string;
  /** The twin's resolver: the edge's DNS server. */
  readonly resolvers?: readonly string[];
  /** The loopback address ports 80 and 443 are published on, with the same numbers. */
  readonly address: string;
  /** Where the container's config file is written before it is copied in. */
  readonly workDir: string;
  /** The config file's name in workDir (an alternative edge must not overwrite the twin's). */
  readonly configName?: string;
}

/** The CloudFront stand-in: the edge server on Node, serving the distribution's aliases from the S3 origin. */
export class EdgeContainer extends GenericContainer {
  private readonly address: string;
  private readonly network: ContainerNetwork;

  constructor(options: EdgeContainerOptions) {
    super(options.image);
    this.address = options.address;
    this.network = {
      name: options.network,
      aliases: [options.alias],
      ...(options.ip ? { ip: options.ip } : {}),
    };
    useResolver(this.hostConfig, options.resolvers);
    const config: EdgeConfig = {
      ...options.config,
      tls: { certFile: IN_CONTAINER.cert, keyFile: IN_CONTAINER.key },
      ports: { http: 80, https: 443 },
    };
    const configFile = join(options.workDir, options.configName ?? "edge-config.json");
    writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
    this.withLabels({ [LABEL_OWNER]: options.owner })
      .withNetworkMode(options.network)
      .withNetworkAliases(options.alias)
      .withCopyFilesToContainer([
        { source: options.bundle, target: IN_CONTAINER.server },
        { source: configFile, target: IN_CONTAINER.config },
        { source: options.certificate.chainFile, target: IN_CONTAINER.cert },
        { source: options.certificate.keyFile, target: IN_CONTAINER.key, mode: 0o600 },
      ])
      .withCommand(["node", IN_CONTAINER.server, IN_CONTAINER.config])
      .withExposedPorts({ container: 443, host: 443 }, { container: 80, host: 80 })
      // The server prints its banner once both listeners are bound.
      .withWaitStrategy(Wait.forLogMessage(/^edge /))
      .withStartupTimeout(30_000);
  }

  protected override async beforeContainerCreated(): Promise<void> {
    bindPublishedPortsToLoopback(this.hostConfig, this.address);
  }

  protected override async containerCreated(containerId: string): Promise<void> {
    await attachExtraNetworks(containerId, [this.network]);
  }
}
