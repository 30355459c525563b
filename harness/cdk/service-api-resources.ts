import { cpSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DescribeStackResourcesCommand } from "@aws-sdk/client-cloudformation";
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  RevokeSecurityGroupEgressCommand,
  type IpPermission,
} from "@aws-sdk/client-ec2";
import { GetSecretValueCommand, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import type { StackArtifact, Template } from "./cloud-assembly.ts";
import type { CoverageRow } from "./coverage.ts";
import { EMULATOR_ACCOUNT } from "./deploy-env.ts";
import { DeployError } from "./deploy-error.ts";
import type { EmulatorClientCache } from "./emulator-client-cache.ts";
import type { EmulatorClients } from "./emulator-clients.ts";
import { standInReplacement, TWIN_HOSTS } from "./stand-ins.ts";
import { withoutResources, type Replacement } from "./template-rewrite.ts";

// The resources the emulator's CloudFormation cannot make, made through its service APIs instead: what
// must exist before the deploy (Elastic IPs, whose addresses the templates reference) and after it
// (ingress rules, the EIP association, the database secret's connection fields).

export type ReplacementsByStack = Map<string, Map<string, Replacement>>;

export async function prepareEmulatorAssembly(
  emulator: EmulatorClientCache,
  stacks: readonly StackArtifact[],
  coverage: readonly CoverageRow[],
  assemblyDir: string,
  emulatorDir: string,
): Promise<ReplacementsByStack> {
  rmSync(emulatorDir, { recursive: true, force: true });
  cpSync(assemblyDir, emulatorDir, { recursive: true });
  const byStack: ReplacementsByStack = new Map();
  for (const stack of stacks) {
    const replacements = new Map<string, Replacement>();
    const clients = emulator(stack.region);
    for (const row of coverage.filter(
      (entry) => entry.stack === stack.stackName && entry.coverage !== "emulator",
    )) {
      const resource = stack.template.Resources[row.logicalId];
      if (!resource) continue;
      if (row.type === "AWS::EC2::EIP") {
        const address = await clients.ec2.send(new AllocateAddressCommand({ Domain: "vpc" }));
        if (!address.PublicIp || !address.AllocationId)
          throw new DeployError(`AllocateAddress for ${row.logicalId} returned no address`);
        replacements.set(row.logicalId, {
          ref: address.PublicIp,
          attributes: { AllocationId: address.AllocationId, PublicIp: address.PublicIp },
        });
      } else {
        replacements.set(
          row.logicalId,
          standInReplacement(row.type, row.logicalId, resource, stack.region, EMULATOR_ACCOUNT),
        );
      }
    }
    const rewritten: Template = withoutResources(stack.template, replacements);
    writeFileSync(
      join(emulatorDir, stack.templateFile.slice(assemblyDir.length + 1)),
      JSON.stringify(rewritten, null, 1),
    );
    byStack.set(stack.stackName, replacements);
  }
  return byStack;
}

/** Resolves a template value after the deploy: literals, and Ref/GetAtt of deployed resources. */
function resolveDeployed(value: unknown, physical: ReadonlyMap<string, string>, where: string): string {
  if (typeof value === "string" || typeof value === "number") return String(value);
  const object = value as Record<string, unknown>;
  const id =
    typeof object.Ref === "string"
      ? object.Ref
      : Array.isArray(object["Fn::GetAtt"])
        ? String(object["Fn::GetAtt"][0])
        : undefined;
  const resolved = id === undefined ? undefined : physical.get(id);
  if (resolved === undefined)
    throw new DeployError(`cannot resolve ${JSON.stringify(value)} for ${where} after the deploy`);
  return resolved;
}

/** A CloudFormation ingress or egress rule (inline or standalone) as an EC2 API permission. */
function ipPermission(
  rule: Record<string, unknown>,
  physical: ReadonlyMap<string, string>,
  where: string,
): IpPermission {
  const description = rule.Description as string | undefined;
  const group = rule.SourceSecurityGroupId ?? rule.DestinationSecurityGroupId;
  return {
    IpProtocol: String(rule.IpProtocol),
    ...(rule.FromPort !== undefined ? { FromPort: Number(rule.FromPort) } : {}),
    ...(rule.ToPort !== undefined ? { ToPort: Number(rule.ToPort) } : {}),
    ...(group !== undefined
      ? { UserIdGroupPairs: [{ GroupId: resolveDeployed(group, physical, where), Description: description }] }
      : {}),
    ...(rule.CidrIp !== undefined
      ? { IpRanges: [{ CidrIp: String(rule.CidrIp), Description: description }] }
      : {}),
    ...(rule.CidrIpv6 !== undefined
      ? { Ipv6Ranges: [{ CidrIpv6: String(rule.CidrIpv6), Description: description }] }
      : {}),
  };
}

const ALLOW_ALL_EGRESS = JSON.stringify([{ CidrIp: "0.0.0.0/0", IpProtocol: "-1" }]);

/**
 * LocalStack 4.14's AWS::EC2::SecurityGroup creates the group but drops its inline SecurityGroupIngress
 * and SecurityGroupEgress. The harness applies them through the EC2 API, so the emulator holds exactly
 * the template's rules (the group starts with EC2's default allow-all egress, which is kept only when
 * the template asks for it).
 */
async function applyInlineRules(
  clients: EmulatorClients,
  stack: StackArtifact,
  physical: ReadonlyMap<string, string>,
): Promise<void> {
  for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
    if (resource.Type !== "AWS::EC2::SecurityGroup") continue;
    const where = `${stack.stackName}/${logicalId}`;
    const groupId = resolveDeployed({ Ref: logicalId }, physical, where);
    const ingress = (resource.Properties?.SecurityGroupIngress ?? []) as Record<string, unknown>[];
    if (ingress.length > 0) {
      await clients.ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: ingress.map((rule) => ipPermission(rule, physical, where)),
        }),
      );
    }
    const egress = (resource.Properties?.SecurityGroupEgress ?? []) as Record<string, unknown>[];
    const wanted = JSON.stringify(egress.map(({ CidrIp, IpProtocol }) => ({ CidrIp, IpProtocol })));
    if (egress.length > 0 && !(egress.length === 1 && wanted === ALLOW_ALL_EGRESS)) {
      await clients.ec2.send(
        new RevokeSecurityGroupEgressCommand({
          GroupId: groupId,
          IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
        }),
      );
      await clients.ec2.send(
        new AuthorizeSecurityGroupEgressCommand({
          GroupId: groupId,
          IpPermissions: egress.map((rule) => ipPermission(rule, physical, where)),
        }),
      );
    }
  }
}

export async function realizeAfterDeploy(
  emulator: EmulatorClientCache,
  stacks: readonly StackArtifact[],
  coverage: readonly CoverageRow[],
  replacements: ReplacementsByStack,
): Promise<void> {
  for (const stack of stacks) {
    const rows = coverage.filter((row) => row.stack === stack.stackName && row.coverage === "service-api");
    const clients = emulator(stack.region);
    const described = await clients.cloudFormation.send(
      new DescribeStackResourcesCommand({ StackName: stack.stackName }),
    );
    const physical = new Map<string, string>();
    for (const resource of described.StackResources ?? []) {
      if (resource.LogicalResourceId && resource.PhysicalResourceId)
        physical.set(resource.LogicalResourceId, resource.PhysicalResourceId);
    }
    await applyInlineRules(clients, stack, physical);
    for (const row of rows) {
      const properties = stack.template.Resources[row.logicalId]?.Properties ?? {};
      const where = `${stack.stackName}/${row.logicalId}`;
      if (row.type === "AWS::EC2::EIP") {
        const allocationId = replacements.get(stack.stackName)?.get(row.logicalId)?.attributes
          ?.AllocationId as string;
        if (properties.InstanceId !== undefined) {
          const instanceId = resolveDeployed(properties.InstanceId, physical, where);
          await clients.ec2.send(
            new AssociateAddressCommand({ AllocationId: allocationId, InstanceId: instanceId }),
          );
        }
      } else if (row.type === "AWS::EC2::SecurityGroupIngress") {
        await clients.ec2.send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId: resolveDeployed(properties.GroupId, physical, where),
            IpPermissions: [ipPermission(properties, physical, where)],
          }),
        );
      } else if (row.type === "AWS::SecretsManager::SecretTargetAttachment") {
        const secretId = resolveDeployed(properties.SecretId, physical, where);
        const current = await clients.secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
        const value = JSON.parse(current.SecretString ?? "{}") as Record<string, unknown>;
        const targetRef = (properties.TargetId as { Ref?: string } | undefined)?.Ref;
        const identifier =
          targetRef === undefined ? undefined : replacements.get(stack.stackName)?.get(targetRef)?.ref;
        await clients.secrets.send(
          new PutSecretValueCommand({
            SecretId: secretId,
            SecretString: JSON.stringify({
              ...value,
              engine: "postgres",
              host: TWIN_HOSTS.database,
              port: 5432,
              dbInstanceIdentifier: typeof identifier === "string" ? identifier : undefined,
            }),
          }),
        );
      }
    }
  }
}
