import * as ec2 from "aws-cdk-lib/aws-ec2";
import type * as iam from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import { acceptFinding } from "../nag.ts";
import { SEED } from "../settings.ts";

export interface ApiInstanceProps {
  readonly vpc: ec2.IVpc;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly role: iam.IRole;
  readonly userData: ec2.UserData;
}

/** Phase 1: one t3.micro (Amazon Linux 2023, 20 GB gp3) in public subnet 2a, behind an Elastic IP. */
export class ApiInstance extends Construct {
  readonly instance: ec2.Instance;
  readonly elasticIp: ec2.CfnEIP;

  constructor(scope: Construct, id: string, props: ApiInstanceProps) {
    super(scope, id);
    this.instance = new ec2.Instance(this, "Instance", {
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC, availabilityZones: [SEED.availabilityZones[0]] },
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
      securityGroup: props.securityGroup,
      role: props.role,
      userData: props.userData,
      disableApiTermination: true,
      blockDevices: [
        {
          deviceName: "/dev/xvda",
          volume: ec2.BlockDeviceVolume.ebs(20, { volumeType: ec2.EbsDeviceVolumeType.GP3, encrypted: true }),
        },
      ],
    });
    acceptFinding(
      this.instance,
      "EC28",
      "The seed keeps basic (5-minute) EC2 metrics; detailed monitoring costs extra.",
    );
    this.elasticIp = new ec2.CfnEIP(this, "ElasticIp", {
      domain: "vpc",
      instanceId: this.instance.instanceId,
    });
  }
}
