import { AllocateAddressCommand, AssociateAddressCommand } from "@aws-sdk/client-ec2";
import { DeployError } from "../deploy-error.ts";
import type { RemovedType } from "../stand-in-entry.ts";

/**
 * An Elastic IP, allocated before the deploy because the templates use its address (the API's DNS
 * record), and associated with its instance once the instance exists. A redeploy of the same environment
 * recovers the address it had (AllocateAddress with Address, as AWS recovers a released Elastic IP).
 */
export const ELASTIC_IP: RemovedType = {
  type: "AWS::EC2::EIP",
  coverage: "service-api",
  how: "EC2 AllocateAddress before the deploy, AssociateAddress with the instance after it",
  beforeDeploy: async ({ logicalId, clients, previous }) => {
    const recovered = previous?.attributes?.PublicIp;
    const address = await clients.ec2.send(
      new AllocateAddressCommand({
        Domain: "vpc",
        ...(typeof recovered === "string" ? { Address: recovered } : {}),
      }),
    );
    if (!address.PublicIp || !address.AllocationId)
      throw new DeployError(`AllocateAddress for ${logicalId} returned no address`);
    if (typeof recovered === "string" && address.PublicIp !== recovered)
      throw new DeployError(
        `AllocateAddress for ${logicalId} gave ${address.PublicIp}, not the kept ${recovered}`,
      );
    return {
      ref: address.PublicIp,
      attributes: { AllocationId: address.AllocationId, PublicIp: address.PublicIp },
    };
  },
  afterDeploy: async ({ logicalId, properties, clients, resolve, replacements }) => {
    if (properties.InstanceId === undefined) return;
    const allocationId = replacements.get(logicalId)?.attributes?.AllocationId as string;
    await clients.ec2.send(
      new AssociateAddressCommand({ AllocationId: allocationId, InstanceId: resolve(properties.InstanceId) }),
    );
  },
};
