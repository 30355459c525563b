import { join } from "node:path";
import type { EC2Client } from "@aws-sdk/client-ec2";
import { appRelease } from "../components/app-release.ts";
import type { FleetMember } from "../components/app-fleet.ts";
import type { PlanContext } from "../components/component.ts";
import { startInstance, type InstanceInputs } from "../components/instance-start.ts";
import { ResumeLog } from "../components/resume.ts";
import type { HarnessConfig } from "../config.ts";
import { addressOn } from "../drills/address-on.ts";
import { EnvironmentError } from "../errors.ts";
import { ImageResolver } from "../images/image-resolver.ts";
import { issueCertificate, loadOrCreateLocalCa } from "../tls/local-ca.ts";
import type { Environment } from "./environment-state.ts";
import type { FleetTopology } from "./fleet-topology.ts";
import {
  groupInstances,
  instanceLabels,
  instanceUserData,
  launchGroupInstance,
  terminateGroupInstance,
  type DeployedGroup,
} from "./group-instances.ts";
import { containerNameOf, labelsOf, ownerOf } from "./identity.ts";
import { readKept } from "./kept-state.ts";
import type { LoadBalancerTopology } from "./load-balancer-topology.ts";
import { readBackDeployment } from "./redeploy.ts";
import { createTwinNetworks } from "./twin-networks.ts";

/** What the group's controller needs to launch one more instance into a running environment. */
export interface FleetKit {
  readonly ec2: EC2Client;
  readonly group: DeployedGroup;
  readonly fleet: FleetTopology;
  readonly balancer: LoadBalancerTopology;
  /**
   * Launches an instance through EC2 (balanced over the group's zones) and starts its container as
   * `name`; `guarded` runs once its egress guard is in, before it boots (its firewall goes in there).
   */
  launch(name: string, guarded: (containerId: string) => Promise<void>): Promise<FleetMember>;
}

/**
 * The kit, rebuilt from a running environment as env:up built it: the deployment read back from its
 * emulator, the release, the images, its networks and the API's certificate from its CA.
 */
export async function fleetKit(
  config: HarnessConfig,
  environment: Environment,
  signal: AbortSignal,
): Promise<FleetKit> {
  const { name, dir } = environment;
  const deploy = await readBackDeployment(join(dir, "infra"), environment.emulator.endpoint);
  const { fleet, loadBalancer: balancer } = deploy.topology;
  if (!fleet || !balancer || !deploy.group)
    throw new EnvironmentError(`environment "${name}" runs phase ${deploy.topology.phase}: it has no group`);
  const resolver = new ImageResolver(config, { signal });
  const owner = ownerOf(name);
  const kept = readKept(dir);
  const context: PlanContext = {
    config,
    environment: name,
    owner,
    dir,
    entries: environment.entryPoints,
    resolver,
    labels: (instance) => labelsOf(name, instance),
    containerName: (instance) => containerNameOf(name, instance),
    resume: new ResumeLog({}, false),
    ...(kept ? { kept } : {}),
  };
  const ca = await loadOrCreateLocalCa(join(dir, "ca"), `ThreadCast twin CA (${name})`);
  const inputs: InstanceInputs = {
    deploy,
    jar: await appRelease(config, resolver, owner, signal),
    "image:instance": (await resolver.resolve("instance")).reference,
    "image:netkit": (await resolver.resolve("netkit")).reference,
    networks: await createTwinNetworks(name),
    "certificate:api": await issueCertificate(ca, [deploy.apiName], join(dir, "certs"), "api"),
    ca,
  };
  const { ec2 } = deploy.backendClients;
  const group = deploy.group;
  return {
    ec2,
    group,
    fleet,
    balancer,
    async launch(instanceName, guarded) {
      const instance = await launchGroupInstance(ec2, group, await groupInstances(ec2, group.name));
      const userData = await instanceUserData(ec2, instance.instanceId);
      const labels = instanceLabels(instance);
      const container = await startInstance(
        context,
        inputs,
        { name: instanceName, userData, labels, guarded },
        signal,
      ).catch(async (error: unknown) => {
        // An instance that never booted is terminated, as a failed launch is: it holds no zone's place.
        await terminateGroupInstance(ec2, instance.instanceId).catch(() => undefined);
        throw error;
      });
      return {
        name: instanceName,
        container,
        instance,
        address: await addressOn(container.getId(), inputs.networks.public),
      };
    },
  };
}
