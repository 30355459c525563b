import * as ec2 from "aws-cdk-lib/aws-ec2";
import { Construct } from "constructs";
import { acceptFinding } from "../nag.ts";
import { SEED } from "../settings.ts";
import { SeedSubnetCidrs } from "./seed-subnet-cidrs.ts";

export interface NetworkProps {
  readonly operatorCidr: string;
  /**
   * Phases 2 and 3 put an ALB in front, which admits 8080 from its own group; the API group then has no
   * world-open rules, instead of the seed's phase-1 rules (80, 443 and 8080 from anywhere).
   */
  readonly loadBalanced: boolean;
}

/**
 * threadcast-vpc: public subnets (2a, 2c) with an internet gateway, private subnets (2a, 2c) with no
 * route out and no NAT; threadcast-ec2-sg and threadcast-rds-sg exactly as the seed's tables.
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  readonly apiSecurityGroup: ec2.SecurityGroup;
  readonly databaseSecurityGroup: ec2.SecurityGroup;
  /** Phases 2 and 3: the message broker's group, STOMP over TLS from the API's group only. */
  readonly brokerSecurityGroup: ec2.SecurityGroup | undefined;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    this.vpc = new ec2.Vpc(this, "Vpc", {
      vpcName: "threadcast-vpc",
      ipAddresses: new SeedSubnetCidrs(SEED.vpcCidr, [...SEED.publicSubnetCidrs, ...SEED.privateSubnetCidrs]),
      availabilityZones: [...SEED.availabilityZones],
      natGateways: 0,
      subnetConfiguration: [
        { name: "public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: "private", subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      // Keeps CDK's Lambda-backed custom resource out of the template (the default SG stays as AWS makes it).
      restrictDefaultSecurityGroup: false,
    });
    acceptFinding(
      this.vpc,
      "VPC7",
      "The seed has no flow logs and a ~$25/month budget; flow logs are a recommended follow-up (infra/README.md).",
    );

    this.apiSecurityGroup = new ec2.SecurityGroup(this, "ApiSecurityGroup", {
      vpc: this.vpc,
      securityGroupName: "threadcast-ec2-sg",
      description: "ThreadCast API instance: SSH from the operator; HTTP, HTTPS and 8080 from anywhere",
      allowAllOutbound: true,
    });
    this.apiSecurityGroup.addIngressRule(
      ec2.Peer.ipv4(props.operatorCidr),
      ec2.Port.tcp(22),
      "SSH from the operator",
    );
    if (!props.loadBalanced) {
      this.apiSecurityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), "HTTP (redirects to HTTPS)");
      this.apiSecurityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), "HTTPS");
      this.apiSecurityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(8080), "Spring Boot");
      acceptFinding(
        this.apiSecurityGroup,
        "EC23",
        "The seed's phase-1 table opens 80, 443 and 8080 to 0.0.0.0/0 (the instance is the public entry point). 8080 bypasses TLS; the security-group replay reports it as a finding.",
      );
    }

    this.databaseSecurityGroup = new ec2.SecurityGroup(this, "DatabaseSecurityGroup", {
      vpc: this.vpc,
      securityGroupName: "threadcast-rds-sg",
      description: "ThreadCast database: PostgreSQL from the API security group only",
      allowAllOutbound: true,
    });
    this.databaseSecurityGroup.addIngressRule(
      this.apiSecurityGroup,
      ec2.Port.tcp(5432),
      "PostgreSQL from threadcast-ec2-sg",
    );
    this.brokerSecurityGroup = props.loadBalanced ? this.brokerGroup() : undefined;
  }

  private brokerGroup(): ec2.SecurityGroup {
    const group = new ec2.SecurityGroup(this, "BrokerSecurityGroup", {
      vpc: this.vpc,
      securityGroupName: "threadcast-mq-sg",
      description: "ThreadCast message broker: STOMP over TLS from the API security group only",
      allowAllOutbound: true,
    });
    group.addIngressRule(this.apiSecurityGroup, ec2.Port.tcp(61614), "STOMP over TLS from threadcast-ec2-sg");
    return group;
  }
}
