import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateStackCommand, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import {
  DescribeAddressesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type IpPermission,
} from "@aws-sdk/client-ec2";
import { ListResourceRecordSetsCommand } from "@aws-sdk/client-route-53";
import { GetBucketVersioningCommand, GetPublicAccessBlockCommand } from "@aws-sdk/client-s3";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import type { StartedLocalStackContainer } from "@testcontainers/localstack";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { EmulatorContainer, emulatorResourceTypes } from "../containers/emulator-container.ts";
import { waitFor } from "../support/wait-for.ts";
import { readStacks, type Template } from "./cloud-assembly.ts";
import { emulatorClients } from "./emulator-clients.ts";
import { deployToEmulator, type EmulatorDeployment } from "./emulator-deploy.ts";
import { TWIN_HOSTS } from "./twin-hosts.ts";
import {
  BACKEND_OUTPUTS,
  FRONTEND_OUTPUTS,
  STACK_NAMES,
  type BackendOutput,
  type DeployedOutputs,
  type FrontendOutput,
} from "../../infra/lib/stack-outputs.ts";

const OPERATOR = "198.51.100.10/32";
const workDir = mkdtempSync(join(tmpdir(), "emulator-deploy-"));

/** One ingress rule in a comparable form: protocol, ports, and the CIDR or group it admits. */
type Rule = string;

function rulesOf(permissions: readonly IpPermission[]): Rule[] {
  return permissions
    .flatMap((permission) => [
      ...(permission.IpRanges ?? []).map(
        (range) =>
          `${permission.IpProtocol}/${permission.FromPort}-${permission.ToPort} from ${range.CidrIp}`,
      ),
      ...(permission.UserIdGroupPairs ?? []).map(
        (pair) => `${permission.IpProtocol}/${permission.FromPort}-${permission.ToPort} from ${pair.GroupId}`,
      ),
    ])
    .sort();
}

/** The ingress rules the synthesized template gives a group: inline ones and AWS::EC2::SecurityGroupIngress. */
function templateRules(
  template: Template,
  groupLogicalId: string,
  groupIds: ReadonlyMap<string, string>,
): Rule[] {
  const resources = template.Resources;
  const inline = (resources[groupLogicalId]?.Properties?.SecurityGroupIngress ?? []) as Record<
    string,
    unknown
  >[];
  const separate = Object.values(resources)
    .filter((resource) => resource.Type === "AWS::EC2::SecurityGroupIngress")
    .map((resource) => resource.Properties as Record<string, unknown>)
    .filter((rule) => (rule.GroupId as { "Fn::GetAtt": string[] })["Fn::GetAtt"][0] === groupLogicalId);
  return [...inline, ...separate]
    .map((rule) => {
      const source = rule.SourceSecurityGroupId as { "Fn::GetAtt": string[] } | undefined;
      const from = source ? groupIds.get(source["Fn::GetAtt"][0] ?? "") : (rule.CidrIp as string);
      return `${rule.IpProtocol}/${rule.FromPort}-${rule.ToPort} from ${from}`;
    })
    .sort();
}

describe("phase 1 deployed to LocalStack through the CDK toolchain", () => {
  let emulator: StartedLocalStackContainer | undefined;
  let deployment: EmulatorDeployment;
  let endpoint: string;
  const backend = (): DeployedOutputs<BackendOutput> => deployment.outputs[STACK_NAMES.backend] ?? {};
  const frontend = (): DeployedOutputs<FrontendOutput> => deployment.outputs[STACK_NAMES.frontend] ?? {};
  const B = BACKEND_OUTPUTS;

  beforeAll(async () => {
    emulator = await new EmulatorContainer(inject("images").localstack as string, inject("runOwner")).start();
    endpoint = emulator.getConnectionUri();
    deployment = await deployToEmulator({
      endpoint,
      emulatorTypes: await emulatorResourceTypes(emulator),
      workDir,
      phase: 1,
      operatorCidr: OPERATOR,
    });
  });

  afterAll(async () => {
    await emulator?.stop();
  });

  it("creates threadcast-vpc with its four subnets, each with the seed's CIDR and AZ", async () => {
    const { ec2 } = emulatorClients(endpoint, "ap-northeast-2");
    const vpcs = await ec2.send(new DescribeVpcsCommand({ VpcIds: [backend()[B.vpcId]!] }));
    expect(vpcs.Vpcs?.[0]).toMatchObject({ CidrBlock: "10.0.0.0/16" });
    const subnets = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [backend()[B.vpcId]!] }] }),
    );
    expect(subnets.Subnets?.map((subnet) => `${subnet.CidrBlock} ${subnet.AvailabilityZone}`).sort()).toEqual(
      [
        "10.0.1.0/24 ap-northeast-2a",
        "10.0.10.0/24 ap-northeast-2a",
        "10.0.11.0/24 ap-northeast-2c",
        "10.0.2.0/24 ap-northeast-2c",
      ],
    );
  });

  it("gives both security groups exactly the template's ingress rules, the group-to-group rule included", async () => {
    const { ec2 } = emulatorClients(endpoint, "ap-northeast-2");
    const apiGroup = backend()[B.apiSecurityGroupId]!;
    const databaseGroup = backend()[B.databaseSecurityGroupId]!;
    const described = await ec2.send(
      new DescribeSecurityGroupsCommand({ GroupIds: [apiGroup, databaseGroup] }),
    );
    const byId = new Map(described.SecurityGroups?.map((group) => [group.GroupId, group]));
    const [template] = readStacks(join(workDir, "cdk.out")).filter(
      (stack) => stack.stackName === "ThreadcastBackend",
    );
    const logicalOf = (name: string) =>
      Object.entries(template!.template.Resources).find(
        ([, resource]) => resource.Properties?.GroupName === name,
      )?.[0] ?? "";
    const ids = new Map([
      [logicalOf("threadcast-ec2-sg"), apiGroup],
      [logicalOf("threadcast-rds-sg"), databaseGroup],
    ]);
    expect(byId.get(apiGroup)?.GroupName).toBe("threadcast-ec2-sg");
    expect(rulesOf(byId.get(apiGroup)?.IpPermissions ?? [])).toEqual(
      templateRules(template!.template, logicalOf("threadcast-ec2-sg"), ids),
    );
    expect(rulesOf(byId.get(databaseGroup)?.IpPermissions ?? [])).toEqual(
      templateRules(template!.template, logicalOf("threadcast-rds-sg"), ids),
    );
    expect(rulesOf(byId.get(databaseGroup)?.IpPermissions ?? [])).toEqual([`tcp/5432-5432 from ${apiGroup}`]);
    expect(rulesOf(byId.get(apiGroup)?.IpPermissions ?? [])).toContain(`tcp/22-22 from ${OPERATOR}`);
    for (const group of [apiGroup, databaseGroup]) {
      expect(rulesOf(byId.get(group)?.IpPermissionsEgress ?? [])).toEqual([
        "-1/undefined-undefined from 0.0.0.0/0",
      ]);
    }
  });

  it("creates the web bucket with versioning and every public access blocked", async () => {
    const { s3 } = emulatorClients(endpoint, "us-east-1");
    const bucket = frontend()[FRONTEND_OUTPUTS.webBucketName]!;
    expect(await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).toMatchObject({
      Status: "Enabled",
    });
    const block = await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
    expect(block.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });

  it("associates the Elastic IP with the API instance", async () => {
    const { ec2 } = emulatorClients(endpoint, "ap-northeast-2");
    const addresses = await ec2.send(
      new DescribeAddressesCommand({ PublicIps: [backend()[B.apiPublicIp]!] }),
    );
    expect(addresses.Addresses?.[0]).toMatchObject({ InstanceId: backend()[B.apiInstanceId], Domain: "vpc" });
  });

  it("writes the three records into the existing threadcast.io zone", async () => {
    const { route53 } = emulatorClients(endpoint, "us-east-1");
    const records = await route53.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: deployment.hostedZoneId }),
    );
    const byName = (name: string, type: string) =>
      records.ResourceRecordSets?.find((record) => record.Name === name && record.Type === type);
    expect(byName("api.threadcast.io.", "A")?.ResourceRecords).toEqual([{ Value: backend()[B.apiPublicIp] }]);
    expect(byName("threadcast.io.", "A")?.AliasTarget).toMatchObject({
      DNSName: expect.stringContaining(TWIN_HOSTS.edge),
    });
    expect(byName("www.threadcast.io.", "CNAME")?.ResourceRecords).toEqual([{ Value: "threadcast.io" }]);
  });

  it("generates the database's master secret for user threadcast, completed with the stand-in's address", async () => {
    const { secrets } = emulatorClients(endpoint, "ap-northeast-2");
    const secret = await secrets.send(
      new GetSecretValueCommand({ SecretId: backend()[B.databaseSecretArn]! }),
    );
    const value = JSON.parse(secret.SecretString ?? "{}") as Record<string, unknown>;
    expect(value).toMatchObject({
      username: "threadcast",
      engine: "postgres",
      host: TWIN_HOSTS.database,
      port: 5432,
    });
    expect(String(value.password)).toMatch(/^.{30,}$/);
  });

  it('answers no output with "unknown", and records every resource in the coverage table', () => {
    const all = Object.values(deployment.outputs).flatMap((values) => Object.values(values));
    expect(all.length).toBeGreaterThan(10);
    expect(all.filter((value) => String(value).includes("unknown"))).toEqual([]);
    const written = JSON.parse(readFileSync(join(workDir, "coverage.json"), "utf8")) as unknown[];
    const resources = readStacks(join(workDir, "cdk.out")).reduce(
      (sum, stack) => sum + Object.keys(stack.template.Resources).length,
      0,
    );
    expect(written).toHaveLength(resources);
    expect(
      deployment.coverage
        .filter((row) => row.coverage === "stand-in")
        .map((row) => row.type)
        .sort(),
    ).toEqual([
      "AWS::CloudFront::Distribution",
      "AWS::CloudFront::OriginAccessControl",
      "AWS::RDS::DBInstance",
      "AWS::RDS::DBSubnetGroup",
    ]);
  });

  it("makes the emulator refuse a resource type it does not implement, instead of faking it", async () => {
    const { cloudFormation } = emulatorClients(endpoint, "ap-northeast-2");
    const template = {
      Resources: {
        Database: {
          Type: "AWS::RDS::DBSubnetGroup",
          Properties: { DBSubnetGroupDescription: "x", SubnetIds: ["subnet-1"] },
        },
      },
    };
    const outcome = await cloudFormation
      .send(
        new CreateStackCommand({ StackName: "unsupported-probe", TemplateBody: JSON.stringify(template) }),
      )
      .then(() =>
        waitFor("the probe stack to settle", async () => {
          const stacks = await cloudFormation.send(
            new DescribeStacksCommand({ StackName: "unsupported-probe" }),
          );
          const status = stacks.Stacks?.[0]?.StackStatus ?? "";
          return status.endsWith("_IN_PROGRESS")
            ? undefined
            : `${status} ${stacks.Stacks?.[0]?.StackStatusReason ?? ""}`;
        }),
      )
      .catch((error: Error) => `rejected: ${error.message}`);
    expect(outcome).toMatch(/not supported|Unsupported|FAILED|ROLLBACK/);
    expect(outcome).not.toMatch(/^CREATE_COMPLETE/);
  });

  it("refuses an app that does not synthesize, naming the reason", async () => {
    await expect(
      deployToEmulator({
        endpoint,
        emulatorTypes: new Set(),
        workDir: mkdtempSync(join(tmpdir(), "emulator-deploy-bad-")),
        phase: 1,
        operatorCidr: "0.0.0.0/0",
      }),
    ).rejects.toThrow(/failed to synthesize[\s\S]*port 22 must never be open to the world/);
  });
});
