import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { StartedTestContainer } from "testcontainers";
import { TWIN_HOSTS } from "../cdk/twin-hosts.ts";
import { loadConfig } from "../config.ts";
import type { EdgeConfig } from "../edge/edge-config.ts";
import { EdgeContainer } from "../edge/edge-container.ts";
import { ImageResolver } from "../images/image-resolver.ts";
import { assertEntryPointsFree } from "./entry-points.ts";
import type { Environment } from "./environment.ts";
import { containerNameOf, labelsOf } from "./identity.ts";

export interface EdgeVariant {
  readonly container: StartedTestContainer;
  /** The variant's loopback address: the site's names, resolved here instead of the twin's edge. */
  readonly address: string;
  readonly hosts: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/**
 * A second edge in front of the same bucket, from an alternative distribution config (for example the
 * seed's 404-only error mapping), so a scenario can show what a different distribution would do. It
 * joins the environment (its label; env:down removes it) on its own address, 127.88.N.<octet>.
 */
export async function startEdgeVariant(
  environment: Environment,
  name: string,
  change: (config: Omit<EdgeConfig, "tls" | "ports">) => Omit<EdgeConfig, "tls" | "ports">,
  octet = 4,
): Promise<EdgeVariant> {
  const {
    tls: _tls,
    ports: _ports,
    ...current
  } = JSON.parse(readFileSync(join(environment.dir, "edge-config.json"), "utf8")) as EdgeConfig;
  const address = environment.entryPoints.edge.address.replace(/\.\d+$/, `.${octet}`);
  await assertEntryPointsFree(environment.name, {
    edge: { address, ports: [80, 443] },
    api: { address, ports: [] },
    emulator: { address, ports: [] },
  });
  const image = await new ImageResolver(loadConfig()).resolve("edge");
  const container = await new EdgeContainer({
    image: image.reference,
    owner: environment.owner,
    bundle: join(environment.dir, "edge-server.cjs"),
    config: change(current),
    certificate: {
      certFile: join(environment.dir, "certs", "site.crt"),
      chainFile: join(environment.dir, "certs", "site.chain.crt"),
      keyFile: join(environment.dir, "certs", "site.key"),
      names: current.aliases,
    },
    network: environment.networks.public,
    alias: `${name}.${TWIN_HOSTS.edge}`,
    address,
    workDir: environment.dir,
    configName: `edge-config.${name}.json`,
  })
    .withLabels(labelsOf(environment.name, `edge-${name}`))
    .withName(containerNameOf(environment.name, `edge-${name}`))
    .start();
  const hosts = Object.fromEntries(
    Object.entries(environment.hosts).map(([host, to]) => [
      host,
      to === environment.entryPoints.edge.address ? address : to,
    ]),
  );
  return { container, address, hosts, stop: async () => void (await container.stop()) };
}
