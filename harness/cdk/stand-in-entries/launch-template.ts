import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  DescribeLaunchTemplatesCommand,
  ModifyLaunchTemplateCommand,
  type RequestLaunchTemplateData,
} from "@aws-sdk/client-ec2";
import { DeployError } from "../deploy-error.ts";
import type { EmulatorClients } from "../emulator-clients.ts";
import type { RemovedType } from "../stand-in-entry.ts";

/** The name the twin gives a stack's launch template in the emulator (CloudFormation would pick one). */
export function launchTemplateName(stackName: string, logicalId: string): string {
  return `${stackName}-${logicalId}`.slice(0, 128);
}

async function existingId(clients: EmulatorClients, name: string): Promise<string | undefined> {
  try {
    const found = await clients.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [name] }));
    return found.LaunchTemplates?.[0]?.LaunchTemplateId;
  } catch (error) {
    if ((error as { name?: string }).name?.includes("NotFound")) return undefined;
    throw error;
  }
}

/**
 * A launch template, made through EC2's API: before the deploy (the group references its id), then a
 * version with its data as the emulator evaluated it (the user data, the security groups, the instance
 * profile), made the default. Each instance stand-in of the group reads its user data back from there,
 * as EC2 would hand it to an instance it launches. A redeploy adds a version, as CloudFormation would.
 */
export const LAUNCH_TEMPLATE: RemovedType = {
  type: "AWS::EC2::LaunchTemplate",
  coverage: "service-api",
  how: "EC2 CreateLaunchTemplate before the deploy, and after it a version with the data as the emulator evaluated it (the user data the group's instances run)",
  evaluatesProperties: true,
  beforeDeploy: async ({ stack, logicalId, resource, clients }) => {
    const name = launchTemplateName(stack.stackName, logicalId);
    // Version 1 holds only what is literal before the deploy; the deploy's version follows it.
    const instanceType = (resource.Properties?.LaunchTemplateData as { InstanceType?: unknown } | undefined)
      ?.InstanceType;
    const first = typeof instanceType === "string" ? { InstanceType: instanceType } : {};
    const id =
      (await existingId(clients, name)) ??
      (
        await clients.ec2.send(
          new CreateLaunchTemplateCommand({
            LaunchTemplateName: name,
            LaunchTemplateData: first as RequestLaunchTemplateData,
          }),
        )
      ).LaunchTemplate?.LaunchTemplateId;
    if (!id) throw new DeployError(`CreateLaunchTemplate for ${logicalId} returned no id`);
    return { ref: id, attributes: { LaunchTemplateId: id } };
  },
  afterDeploy: async ({ logicalId, clients, replacements, evaluated }) => {
    const id = String(replacements.get(logicalId)?.ref);
    const data = evaluated?.LaunchTemplateData as RequestLaunchTemplateData | undefined;
    if (!data) throw new DeployError(`the launch template ${logicalId} has no LaunchTemplateData`);
    const created = await clients.ec2.send(
      new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: id, LaunchTemplateData: data }),
    );
    const version = created.LaunchTemplateVersion?.VersionNumber;
    if (version === undefined)
      throw new DeployError(`CreateLaunchTemplateVersion for ${logicalId} returned no version`);
    await clients.ec2.send(
      new ModifyLaunchTemplateCommand({ LaunchTemplateId: id, DefaultVersion: String(version) }),
    );
  },
};
