import {
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
  type Instance,
} from "@aws-sdk/client-ec2";
import { DescribeStackResourcesCommand } from "@aws-sdk/client-cloudformation";
import type { EmulatorClients } from "../cdk/emulator-clients.ts";
import type { KeptReplacements } from "../cdk/template-rewrite.ts";
import { HarnessError } from "../errors.ts";
import type { FleetTopology } from "./fleet-topology.ts";
import {
  LABEL_EC2_INSTANCE,
  LABEL_LAUNCH_TEMPLATE_VERSION,
  LABEL_LAUNCHED_AT,
  LABEL_ZONE,
} from "./identity.ts";

/** The tag Auto Scaling puts on every instance it launches: the group's name. */
export const GROUP_NAME_TAG = "aws:autoscaling:groupName";

/** One instance of the group as the emulator's EC2 holds it; an instance container plays each. */
export interface GroupInstance {
  readonly instanceId: string;
  readonly subnetId: string;
  readonly availabilityZone: string;
  readonly privateIpAddress: string;
  /** The launch template version it was launched from (the template's default at launch). */
  readonly launchTemplateVersion: string;
  /** When EC2 launched it (ISO 8601), as DescribeInstances' LaunchTime says. */
  readonly launchedAt: string;
}

/** The labels of the container that plays an instance: its EC2 instance, zone, template version and launch time. */
export const instanceLabels = (instance: GroupInstance): Record<string, string> => ({
  [LABEL_EC2_INSTANCE]: instance.instanceId,
  [LABEL_ZONE]: instance.availabilityZone,
  [LABEL_LAUNCH_TEMPLATE_VERSION]: instance.launchTemplateVersion,
  [LABEL_LAUNCHED_AT]: instance.launchedAt,
});

/** The group as the emulator knows it: its name, its launch template's id and its subnets' ids. */
export interface DeployedGroup {
  readonly name: string;
  readonly launchTemplateId: string;
  /** Physical subnet ids, in the group's order (VPCZoneIdentifier). */
  readonly subnetIds: readonly string[];
}

/**
 * The group's name and launch template as the deploy's stand-ins gave them, and its subnets' ids as the
 * emulator's stack created them.
 */
export async function deployedGroup(
  clients: EmulatorClients,
  stackName: string,
  fleet: FleetTopology,
  replacements: KeptReplacements,
): Promise<DeployedGroup> {
  const given = (logicalId: string) => {
    const ref = replacements[stackName]?.[logicalId]?.ref;
    if (typeof ref !== "string") throw new HarnessError(`the deploy gave ${stackName}/${logicalId} no id`);
    return ref;
  };
  const resources = await clients.cloudFormation.send(
    new DescribeStackResourcesCommand({ StackName: stackName }),
  );
  const physical = new Map(
    (resources.StackResources ?? []).map((resource) => [
      resource.LogicalResourceId,
      resource.PhysicalResourceId,
    ]),
  );
  const subnetIds = fleet.subnetIds.map((logicalId) => {
    const id = physical.get(logicalId);
    if (!id) throw new HarnessError(`the emulator's ${stackName} has no subnet ${logicalId} (the group's)`);
    return id;
  });
  return { name: given(fleet.logicalId), launchTemplateId: given(fleet.launchTemplateId), subnetIds };
}

/**
 * The subnet the next instance goes to, as Auto Scaling balances a group over its zones: the one with
 * the fewest of the group's instances, the first in the group's order on a tie.
 */
export function nextSubnet(
  subnetIds: readonly string[],
  running: readonly Pick<GroupInstance, "subnetId">[],
): string {
  if (subnetIds.length === 0) throw new HarnessError("the group has no subnets to launch instances in");
  const count = (subnetId: string) => running.filter((instance) => instance.subnetId === subnetId).length;
  return subnetIds.reduce((best, subnetId) => (count(subnetId) < count(best) ? subnetId : best));
}

function asGroupInstance(instance: Instance | undefined, what: string): GroupInstance {
  const version = instance?.Tags?.find((tag) => tag.Key === "aws:ec2launchtemplate:version")?.Value;
  const fields = {
    instanceId: instance?.InstanceId,
    subnetId: instance?.SubnetId,
    availabilityZone: instance?.Placement?.AvailabilityZone,
    privateIpAddress: instance?.PrivateIpAddress,
  };
  const missing = Object.entries(fields).filter(([, value]) => !value);
  if (missing.length > 0) {
    throw new HarnessError(`EC2 answered ${what} without ${missing.map(([name]) => name).join(", ")}`);
  }
  return {
    ...(fields as Omit<GroupInstance, "launchTemplateVersion" | "launchedAt">),
    launchTemplateVersion: version ?? "$Default",
    launchedAt: (instance?.LaunchTime ?? new Date()).toISOString(),
  };
}

/**
 * Launches one instance of the group through EC2's RunInstances from the launch template's default
 * version, in the subnet the group's balancing picks, tagged as Auto Scaling tags its instances.
 */
export async function launchGroupInstance(
  ec2: EC2Client,
  group: DeployedGroup,
  running: readonly GroupInstance[],
): Promise<GroupInstance> {
  const subnetId = nextSubnet(group.subnetIds, running);
  const launched = await ec2.send(
    new RunInstancesCommand({
      MinCount: 1,
      MaxCount: 1,
      SubnetId: subnetId,
      LaunchTemplate: { LaunchTemplateId: group.launchTemplateId, Version: "$Default" },
      TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: GROUP_NAME_TAG, Value: group.name }] }],
    }),
  );
  return asGroupInstance(launched.Instances?.[0], `RunInstances for group ${group.name}`);
}

/** The group's instances the emulator holds (pending or running), oldest first. */
export async function groupInstances(ec2: EC2Client, groupName: string): Promise<GroupInstance[]> {
  const described = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        { Name: `tag:${GROUP_NAME_TAG}`, Values: [groupName] },
        { Name: "instance-state-name", Values: ["pending", "running"] },
      ],
    }),
  );
  return (described.Reservations ?? [])
    .flatMap((reservation) => reservation.Instances ?? [])
    .sort((a, b) => (a.LaunchTime?.getTime() ?? 0) - (b.LaunchTime?.getTime() ?? 0))
    .map((instance) => asGroupInstance(instance, `DescribeInstances for group ${groupName}`));
}

/** The user data EC2 hands the instance (decoded): what its launch template's version holds. */
export async function instanceUserData(ec2: EC2Client, instanceId: string): Promise<string> {
  const attribute = await ec2.send(
    new DescribeInstanceAttributeCommand({ InstanceId: instanceId, Attribute: "userData" }),
  );
  const encoded = attribute.UserData?.Value;
  if (!encoded) throw new HarnessError(`EC2 holds no user data for instance ${instanceId}`);
  return Buffer.from(encoded, "base64").toString("utf8");
}

/** Terminates an instance of the group (its container is gone, or the group scaled in). */
export async function terminateGroupInstance(ec2: EC2Client, instanceId: string): Promise<void> {
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
}
