import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as rds from "aws-cdk-lib/aws-rds";
import { Construct } from "constructs";
import { acceptFinding, NO_ROTATION_YET } from "../nag.ts";
import { SEED } from "../settings.ts";

export interface DatabaseProps {
  readonly vpc: ec2.IVpc;
  readonly securityGroup: ec2.ISecurityGroup;
  /** Phase 2 and later run a standby in the second AZ. */
  readonly multiAz: boolean;
}

/** RDS PostgreSQL 15 in the private subnets; the master password is generated into Secrets Manager. */
export class Database extends Construct {
  readonly instance: rds.DatabaseInstance;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    this.instance = new rds.DatabaseInstance(this, "Instance", {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_15 }),
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.BURSTABLE3, ec2.InstanceSize.MICRO),
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [props.securityGroup],
      allocatedStorage: 20,
      storageType: rds.StorageType.GP2,
      multiAz: props.multiAz,
      backupRetention: Duration.days(7),
      storageEncrypted: true,
      publiclyAccessible: false,
      databaseName: SEED.databaseName,
      credentials: rds.Credentials.fromGeneratedSecret(SEED.databaseUser),
      deletionProtection: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      cloudwatchLogsExports: ["postgresql"],
    });
    acceptFinding(
      this.instance,
      "RDS11",
      "The application contract uses PostgreSQL's default port 5432; only threadcast-ec2-sg may reach it.",
    );
    acceptFinding(this.instance.node.findChild("Secret"), "SMG4", NO_ROTATION_YET);
    if (!props.multiAz) {
      acceptFinding(
        this.instance,
        "RDS3",
        "The seed runs phase 1 single-AZ to save cost; phases 2 and 3 are Multi-AZ.",
      );
    }
  }
}
