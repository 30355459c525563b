import { DescribeStackResourcesCommand } from "@aws-sdk/client-cloudformation";
import { DescribeInstanceAttributeCommand } from "@aws-sdk/client-ec2";
import type { EmulatorClients } from "../cdk/emulator-clients.ts";
import { EnvironmentError } from "../errors.ts";

/** The API instance as the emulator's EC2 holds it: its id and the user data it hands over at boot. */
export interface InstanceUserData {
  readonly instanceId: string;
  /** The script, decoded from base64 as EC2 hands it to cloud-init, every intrinsic resolved by the deploy. */
  readonly script: string;
}

/**
 * Reads the user data of the stack's one EC2 instance back from the emulator (DescribeInstanceAttribute),
 * so what runs in the instance's stand-in is what the deploy gave the instance, not a copy of ours.
 */
export async function readInstanceUserData(
  clients: EmulatorClients,
  stackName: string,
): Promise<InstanceUserData> {
  const resources = await clients.cloudFormation.send(
    new DescribeStackResourcesCommand({ StackName: stackName }),
  );
  const instances = (resources.StackResources ?? []).filter(
    (resource) => resource.ResourceType === "AWS::EC2::Instance",
  );
  const instanceId = instances[0]?.PhysicalResourceId;
  if (instances.length !== 1 || !instanceId)
    throw new EnvironmentError(
      `the stack ${stackName} has ${instances.length} EC2 instances in the emulator; phase 1's twin runs exactly one`,
    );
  const attribute = await clients.ec2.send(
    new DescribeInstanceAttributeCommand({ InstanceId: instanceId, Attribute: "userData" }),
  );
  const encoded = attribute.UserData?.Value;
  if (!encoded)
    throw new EnvironmentError(
      `the instance ${instanceId} of ${stackName} has no user data in the emulator`,
      "the API instance is built by its user data (infra/lib/constructs/api-user-data.ts): give it one",
    );
  const script = Buffer.from(encoded, "base64").toString("utf8");
  if (!script.startsWith("#!"))
    throw new EnvironmentError(
      `the user data of ${instanceId} is not a script (it starts ${JSON.stringify(script.slice(0, 20))}); the twin runs shell user data only`,
    );
  return { instanceId, script };
}
