import type { EC2Client } from "@aws-sdk/client-ec2";
import { addressOn } from "../drills/address-on.ts";
import { EnvironmentError } from "../errors.ts";
import { say } from "../support/progress.ts";
import {
  groupInstances,
  instanceUserData,
  launchGroupInstance,
  type DeployedGroup,
  type GroupInstance,
} from "../twin/group-instances.ts";
import type { ComponentInstance, InstanceShape, PlanContext, StartedGroup, TwinGraph } from "./component.ts";
import { startInstance } from "./instance-start.ts";
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

/** Phase 2's API instances: one per instance of the group's desired capacity (one before the deploy says). */
export function fleetInstances(shape: InstanceShape): ComponentInstance[] {
  const size = shape.fleet?.desiredCapacity ?? 1;
  return Array.from({ length: size }, (_, member) => ({
    name: fleetMemberName(member),
    step: "fleet",
    member,
  }));
}

/**
 * The group's instances in EC2, as Auto Scaling keeps them at its desired capacity: those the emulator
 * still holds (a resumed environment), and new ones launched from the launch template up to it.
 */
async function launchToDesired(
  ec2: EC2Client,
  group: DeployedGroup,
  desired: number,
): Promise<GroupInstance[]> {
  const running = await groupInstances(ec2, group.name);
  while (running.length < desired) running.push(await launchGroupInstance(ec2, group, running));
  return running.slice(0, desired);
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
    needs: ["database", "deploy", "jar", "image:instance", "image:netkit", "networks", "certificate:api"],
    run: async (inputs, signal): Promise<Fleet> => {
      const { topology, group, backendClients } = inputs.deploy;
      if (!topology.fleet || !group)
        throw new EnvironmentError("the deployed backend has no Auto Scaling group (phase 2 runs one)");
      const ec2 = backendClients.ec2;
      const instances = await launchToDesired(ec2, group, topology.fleet.desiredCapacity);
      say(
        `[app] group ${group.name} at ${instances.length}: ${instances.map((i) => `${i.instanceId} (${i.availabilityZone})`).join(", ")}`,
      );
      const members = await Promise.all(
        instances.map(async (instance, member) => {
          const name = fleetMemberName(member);
          const userData = await instanceUserData(ec2, instance.instanceId);
          const container = await startInstance(context, inputs, { name, userData }, signal);
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
