import { Duration } from "aws-cdk-lib";
import * as autoscaling from "aws-cdk-lib/aws-autoscaling";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import type * as iam from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import { acceptFinding } from "../nag.ts";
import type { ApiLoadBalancer } from "./api-load-balancer.ts";

export interface ApiFleetProps {
  readonly vpc: ec2.IVpc;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly role: iam.IRole;
  readonly userData: ec2.UserData;
  readonly loadBalancer: ApiLoadBalancer;
}

/** Phase 2: the phase-1 instance as an Auto Scaling group across 2a and 2c behind the ALB. */
export class ApiFleet extends Construct {
  readonly group: autoscaling.AutoScalingGroup;

  constructor(scope: Construct, id: string, props: ApiFleetProps) {
    super(scope, id);
    const launchTemplate = new ec2.LaunchTemplate(this, "LaunchTemplate", {
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
      securityGroup: props.securityGroup,
      role: props.role,
      userData: props.userData,
      requireImdsv2: true,
      // No NAT in this VPC: instances in the public subnets reach package mirrors with a public address.
      associatePublicIpAddress: true,
      blockDevices: [
        {
          deviceName: "/dev/xvda",
          volume: ec2.BlockDeviceVolume.ebs(20, { volumeType: ec2.EbsDeviceVolumeType.GP3, encrypted: true }),
        },
      ],
    });
    this.group = new autoscaling.AutoScalingGroup(this, "Group", {
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      launchTemplate,
      minCapacity: 2,
      maxCapacity: 4,
      healthChecks: autoscaling.HealthChecks.withAdditionalChecks({
        additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
        gracePeriod: Duration.minutes(5),
      }),
    });
    acceptFinding(
      this.group,
      "AS3",
      "Scaling events are visible in the Auto Scaling activity history; alarms notify on symptoms.",
    );
    this.group.scaleOnCpuUtilization("Cpu", { targetUtilizationPercent: 60 });
    props.loadBalancer.addApiTargets("Fleet", [this.group]);
  }
}
