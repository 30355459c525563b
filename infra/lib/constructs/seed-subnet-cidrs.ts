import type * as ec2 from "aws-cdk-lib/aws-ec2";

/**
 * The seed's exact subnet addresses. CDK's default allocation packs subnets from 10.0.0.0 upwards;
 * the seed uses 10.0.1-2.0/24 (public) and 10.0.10-11.0/24 (private). The VPC asks for subnets in the
 * order of its subnet configuration, one per AZ, so the list is handed out in that order.
 */
export class SeedSubnetCidrs implements ec2.IIpAddresses {
  constructor(
    private readonly vpcCidr: string,
    private readonly subnetCidrs: readonly string[],
  ) {}

  allocateVpcCidr(): ec2.VpcIpamOptions {
    return { cidrBlock: this.vpcCidr };
  }

  allocateSubnetsCidr(input: ec2.AllocateCidrRequest): ec2.SubnetIpamOptions {
    if (input.requestedSubnets.length !== this.subnetCidrs.length) {
      throw new Error(
        `the VPC asks for ${input.requestedSubnets.length} subnets, but the seed defines ${this.subnetCidrs.length}`,
      );
    }
    return { allocatedSubnets: this.subnetCidrs.map((cidr) => ({ cidr })) };
  }
}
