import type { EC2Client } from "@aws-sdk/client-ec2";
import { addressOn } from "../drills/address-on.ts";
import { EnvironmentError } from "../errors.ts";
import { say } from "../support/progress.ts";
import { readDesired } from "../twin/fleet-desired.ts";
import { fleetMembers, memberName } from "../twin/fleet-members.ts";
import {
  groupInstances,
  instanceLabels,
  instanceUserData,
  launchGroupInstance,
  terminateGroupInstance,
  type DeployedGroup,
  type GroupInstance,
} from "../twin/group-instances.ts";
import { run } from "../support/run.ts";
import type { ComponentInstance, InstanceShape, PlanContext, StartedGroup, TwinGraph } from "./component.ts";
import { INSTANCE_NEEDS, startInstance } from "./instance-start.ts";
import type { TwinContainer } from "./resume.ts";

declare module "./component.ts" {
  interface TwinSteps {
    /** Phase 2: the Auto Scaling group's instances, launched in the emulator's EC2, each one healthy. */
    fleet: Fleet;
  }
}

/** One instance of the group: its EC2 instance, its container, and where the load balancer reaches it. */
export interface FleetMember {
  readonly name: string;
  readonly container: TwinContainer;
  readonly instance: GroupInstance;
  /** Its address on the public network (the subnet's private IP, as a target group registers it). */
  readonly address: string;
}

export interface Fleet extends StartedGroup {
  readonly members: readonly FleetMember[];
}

/** The group's instances are app-1, app-2, ... in the order EC2 launched them. */
export const fleetMemberName = (member: number) => `app-${member + 1}`;

/**
 * Phase 2's API instances: those a running environment has, else one per instance of the group's
 * desired capacity (one before the deploy says).
 */
export function fleetInstances(shape: InstanceShape): ComponentInstance[] {
  const names =
    shape.members ?? Array.from({ length: shape.fleet?.desiredCapacity ?? 1 }, (_, i) => fleetMemberName(i));
  return names.map((name, member) => ({ name, step: "fleet", member }));
}

/** One instance to bring up: its name, the EC2 instance it plays, and why its old container cannot stay. */
interface Placed {
  readonly name: string;
  readonly instance: GroupInstance;
  readonly replaceBecause?: string;
}

/**
 * The group's instances at its desired capacity, each paired with the container that plays it: a
 * container whose EC2 instance the emulator still holds keeps it (a resume); an EC2 instance no
 * container plays is terminated, and a container whose instance is gone is replaced (or removed when
 * the group is smaller now), as the group replaces them; new instances are launched from the launch
 * template (balanced over the zones) for the rest.
 */
async function placeMembers(
  ec2: EC2Client,
  group: DeployedGroup,
  environment: string,
  desired: number,
): Promise<Placed[]> {
  const containers = await fleetMembers(environment);
  const held = await groupInstances(ec2, group.name);
  const heldIds = new Map(held.map((instance) => [instance.instanceId, instance]));
  const kept = containers
    .filter((member) => member.instanceId && heldIds.has(member.instanceId))
    .slice(0, desired);
  const keptIds = new Set(kept.map((member) => member.instanceId));
  for (const instance of held.filter((candidate) => !keptIds.has(candidate.instanceId)))
    await terminateGroupInstance(ec2, instance.instanceId);
  const stale = containers.filter((member) => !kept.includes(member));
  const placed: Placed[] = kept.map((member) => ({
    name: member.name,
    instance: heldIds.get(member.instanceId ?? "") as GroupInstance,
  }));
  while (placed.length < desired) {
    const instance = await launchGroupInstance(
      ec2,
      group,
      placed.map((entry) => entry.instance),
    );
    const name = memberName(placed.map((entry) => entry.name));
    const replaced = stale.some((member) => member.name === name);
    placed.push({
      name,
      instance,
      ...(replaced ? { replaceBecause: "the EC2 instance it played is gone" } : {}),
    });
  }
  for (const member of stale.filter((candidate) => !placed.some((entry) => entry.name === candidate.name)))
    await run("docker", ["rm", "-f", member.id]);
  return placed;
}

/**
 * Phase 2's API: the Auto Scaling group's desired instances launched through EC2 (balanced over its
 * zones), each built as phase 1's instance is (the user data EC2 hands it, the release, the unit, the
 * instance type's limits), on the public network with an address Docker picks and nothing published:
 * the load balancer is the only way in. No nginx is stood in on them: the ALB forwards to 8080.
 */
export function planFleet(graph: TwinGraph, context: PlanContext): void {
  graph.add("fleet", {
    component: "app",
    what: "the group's instances launched, user data run, Spring Boot healthy",
    needs: INSTANCE_NEEDS,
    run: async (inputs, signal): Promise<Fleet> => {
      const { topology, group, backendClients } = inputs.deploy;
      if (!topology.fleet || !group)
        throw new EnvironmentError("the deployed backend has no Auto Scaling group (phase 2 runs one)");
      const ec2 = backendClients.ec2;
      const desired = readDesired(context.dir, topology.fleet);
      const placed = await placeMembers(ec2, group, context.environment, desired);
      say(
        `[app] group ${group.name} at ${placed.length}: ${placed.map(({ name, instance }) => `${name} ${instance.instanceId} (${instance.availabilityZone})`).join(", ")}`,
      );
      const members = await Promise.all(
        placed.map(async ({ name, instance, replaceBecause }) => {
          const userData = await instanceUserData(ec2, instance.instanceId);
          const labels = instanceLabels(instance);
          const container = await startInstance(
            context,
            inputs,
            { name, userData, labels, ...(replaceBecause ? { replaceBecause } : {}) },
            signal,
          );
          return {
            name,
            container,
            instance,
            address: await addressOn(container.getId(), inputs.networks.public),
          };
        }),
      );
      return { members };
    },
  });
}
