import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { synth } from "./synth.ts";

describe("RDS PostgreSQL", () => {
  it("is PostgreSQL 15 on db.t3.micro, 20 GB gp2, single-AZ, 7-day backups, encrypted, private", () => {
    synth(1).backendTemplate.hasResourceProperties("AWS::RDS::DBInstance", {
      Engine: "postgres",
      EngineVersion: "15",
      DBInstanceClass: "db.t3.micro",
      AllocatedStorage: "20",
      StorageType: "gp2",
      MultiAZ: false,
      BackupRetentionPeriod: 7,
      StorageEncrypted: true,
      PubliclyAccessible: false,
      DBName: "threadcast",
    });
  });

  it("lives in the two private subnets only", () => {
    const template = synth(1).backendTemplate;
    const privateSubnets = Object.keys(
      template.findResources("AWS::EC2::Subnet", {
        Properties: { CidrBlock: Match.stringLikeRegexp("^10\\.0\\.1[01]\\.") },
      }),
    );
    expect(privateSubnets).toHaveLength(2);
    template.hasResourceProperties("AWS::RDS::DBSubnetGroup", {
      SubnetIds: Match.arrayEquals(privateSubnets.map((id) => ({ Ref: id }))),
    });
  });

  it("generates the master password for user threadcast into Secrets Manager", () => {
    const template = synth(1).backendTemplate;
    template.hasResourceProperties("AWS::SecretsManager::Secret", {
      GenerateSecretString: Match.objectLike({
        SecretStringTemplate: '{"username":"threadcast"}',
        GenerateStringKey: "password",
      }),
    });
    const [db] = Object.values(template.findResources("AWS::RDS::DBInstance")) as {
      Properties: Record<string, unknown>;
    }[];
    expect(JSON.stringify(db?.Properties.MasterUserPassword)).toMatch(
      /resolve:secretsmanager:.*:SecretString:password/,
    );
  });

  it("is Multi-AZ from phase 2 on", () => {
    for (const phase of [2, 3] as const) {
      synth(phase).backendTemplate.hasResourceProperties("AWS::RDS::DBInstance", { MultiAZ: true });
    }
  });
});
