import { join } from "node:path";
import { BACKEND_OUTPUTS, FRONTEND_OUTPUTS } from "../../infra/lib/stack-outputs.ts";
import { TWIN_HOSTS } from "../cdk/twin-hosts.ts";
import { LOCALSTACK_PORT } from "../containers/emulator-container.ts";
import type { EntryPoints } from "./entry-points.ts";
import type { Environment } from "./environment-state.ts";
import { ownerOf } from "./identity.ts";
import { resolveTwinNames, writeHostsFile, type NameMap } from "./names.ts";
import type { DeployedTwin } from "./twin-setup.ts";

/**
 * The twin's names from the Route 53 records deployed to the emulator, mapped to the entry points, and
 * the hosts file beside the environment's description.
 */
export async function mapTwinNames(
  twin: DeployedTwin,
  entries: EntryPoints,
  environment: string,
  dir: string,
): Promise<NameMap> {
  const names = await resolveTwinNames(
    twin.frontendClients.route53,
    twin.deployment.hostedZoneId,
    {
      distributionDomain: twin.frontend.outputs[FRONTEND_OUTPUTS.distributionDomainName] ?? TWIN_HOSTS.edge,
      elasticIp: twin.backend.outputs[BACKEND_OUTPUTS.apiPublicIp] ?? "",
      ...(twin.backend.outputs[BACKEND_OUTPUTS.apiLoadBalancerDnsName]
        ? { loadBalancerDomain: twin.backend.outputs[BACKEND_OUTPUTS.apiLoadBalancerDnsName] }
        : {}),
    },
    entries,
    [...twin.siteNames, twin.apiName],
  );
  writeHostsFile(join(dir, "hosts"), environment, names.hosts);
  return names;
}

export interface EnvironmentParts {
  readonly name: string;
  readonly dir: string;
  readonly caFile: string;
  readonly twin: DeployedTwin;
  readonly names: NameMap;
  readonly entries: EntryPoints;
  readonly networks: Environment["networks"];
  readonly containers: Environment["containers"];
  readonly timingsMs: Environment["timingsMs"];
}

/** The environment's description, the same for env:up and the compose twin's setup. Holds no secret. */
export function buildEnvironment(parts: EnvironmentParts): Environment {
  const { twin, entries } = parts;
  return {
    name: parts.name,
    owner: ownerOf(parts.name),
    dir: parts.dir,
    caFile: parts.caFile,
    urls: twin.described.urls,
    hosts: parts.names.hosts,
    hostsVia: parts.names.via,
    entryPoints: entries,
    networks: parts.networks,
    containers: parts.containers,
    emulator: {
      endpoint: `http://${entries.emulator.address}:${LOCALSTACK_PORT}`,
      hostedZoneId: twin.deployment.hostedZoneId,
    },
    database: twin.described.database,
    bucket: twin.bucket,
    securityGroups: twin.described.securityGroups,
    topology: twin.topology,
    startedAt: new Date().toISOString(),
    timingsMs: parts.timingsMs,
  };
}
