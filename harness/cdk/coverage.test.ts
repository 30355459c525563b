import { describe, expect, it } from "vitest";
import type { StackArtifact, Template } from "./cloud-assembly.ts";
import { classifyResources } from "./coverage.ts";

const TYPES = [
  "AWS::EC2::EIP",
  "AWS::EC2::SecurityGroupIngress",
  "AWS::SecretsManager::SecretTargetAttachment",
  "AWS::EC2::SecurityGroup",
  "AWS::RDS::DBInstance",
  "AWS::RDS::DBSubnetGroup",
  "AWS::CloudFront::Distribution",
  "AWS::CloudFront::OriginAccessControl",
  "AWS::EC2::VPC",
  "AWS::Lambda::Function",
];

const template: Template = {
  Resources: Object.fromEntries(TYPES.map((type) => [type.replace(/:/g, ""), { Type: type }])),
};
const stack: StackArtifact = {
  artifactId: "Backend",
  stackName: "Backend",
  environment: "aws://000000000000/ap-northeast-2",
  region: "ap-northeast-2",
  templateFile: "/nowhere/Backend.template.json",
  template,
};

// An emulator that implements some of the registry's types too: the registry's entries still decide
// those, and only the completed type (SecurityGroup) depends on the emulator implementing it.
const EMULATOR = new Set([
  "aws::ec2::eip",
  "aws::ec2::securitygroupingress",
  "aws::ec2::securitygroup",
  "aws::ec2::vpc",
]);

describe("classifyResources", () => {
  const byType = new Map(classifyResources([stack], EMULATOR).map((row) => [row.type, row]));

  it("gives each type of the stand-in registry its coverage class", () => {
    expect(Object.fromEntries([...byType].map(([type, row]) => [type, row.coverage]))).toEqual({
      "AWS::EC2::EIP": "service-api",
      "AWS::EC2::SecurityGroupIngress": "service-api",
      "AWS::SecretsManager::SecretTargetAttachment": "service-api",
      "AWS::EC2::SecurityGroup": "emulator",
      "AWS::RDS::DBInstance": "stand-in",
      "AWS::RDS::DBSubnetGroup": "stand-in",
      "AWS::CloudFront::Distribution": "stand-in",
      "AWS::CloudFront::OriginAccessControl": "stand-in",
      "AWS::EC2::VPC": "emulator",
      "AWS::Lambda::Function": "unsupported",
    });
  });

  it("says how the harness completes a type the emulator creates only in part", () => {
    expect(byType.get("AWS::EC2::SecurityGroup")?.how).toMatch(
      /drops its inline rules; the harness authorizes/,
    );
    expect(byType.get("AWS::EC2::VPC")?.how).toBe("LocalStack CloudFormation");
  });

  it("refuses a completed type the emulator does not implement, rather than half-providing it", () => {
    const rows = classifyResources([stack], new Set());
    expect(rows.find((row) => row.type === "AWS::EC2::SecurityGroup")?.coverage).toBe("unsupported");
    expect(rows.find((row) => row.type === "AWS::RDS::DBInstance")?.coverage).toBe("stand-in");
  });
});
