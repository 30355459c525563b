import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
import { CreateHostedZoneCommand, ListHostedZonesByNameCommand } from "@aws-sdk/client-route-53";
import { GetSecretValueCommand, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { REPO_ROOT } from "../config.ts";
import { HarnessError } from "../errors.ts";
import { formatMs, say } from "../support/progress.ts";
import { lastLines, run } from "../support/run.ts";
import { readStacks, type StackArtifact, type Template } from "./cloud-assembly.ts";
import { classifyResources, formatCoverage, type CoverageRow } from "./coverage.ts";
import { EMULATOR_ACCOUNT, emulatorDeployEnv } from "./deploy-env.ts";
import { emulatorClients, type EmulatorClients } from "./emulator-clients.ts";
import { standInReplacement, TWIN_HOSTS } from "./stand-ins.ts";
import { withoutResources, type Replacement } from "./template-rewrite.ts";

/** A deploy to the emulator that could not complete; the message names the stack, resource and reason. */
export class DeployError extends HarnessError {}

export interface EmulatorDeployOptions {
  /** LocalStack's gateway on loopback, e.g. http://127.0.0.1:45666. */
  readonly endpoint: string;
  /** CloudFormation types the emulator implements (lower-case), read from the running emulator. */
  readonly emulatorTypes: ReadonlySet<string>;
  /** Where the synthesized assembly, the emulator's copy, the outputs and the coverage table go. */
  readonly workDir: string;
  readonly phase: 1 | 2 | 3;
  readonly operatorCidr: string;
  readonly domain?: string;
  readonly signal?: AbortSignal;
}

export interface EmulatorDeployment {
  readonly hostedZoneId: string;
  readonly coverage: readonly CoverageRow[];
  /** Stack name -> output name -> value. */
  readonly outputs: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly timingsMs: Readonly<Record<string, number>>;
}

const CDK_DIR = join(REPO_ROOT, "infra");
const BIN = join(REPO_ROOT, "node_modules", ".bin");

/**
 * Deploys the CDK app to LocalStack through the CDK toolchain, with nothing silently faked:
 * synth -> classify every resource (unsupported types stop here) -> the emulator's copy of each
 * template without the resources that service APIs or stand-ins provide -> cdklocal bootstrap and
 * deploy -> the service-API resources -> outputs, none of them "unknown".
 */
export async function deployToEmulator(options: EmulatorDeployOptions): Promise<EmulatorDeployment> {
  const domain = options.domain ?? "threadcast.io";
  const timings: Record<string, number> = {};
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await work();
    timings[name] = performance.now() - started;
    say(`[infra] ${name}: ${formatMs(timings[name])}`);
    return result;
  };
  await requireEmulator(options.endpoint);
  const home = emulatorClients(options.endpoint, "us-east-1");
  const hostedZoneId = await step("hosted zone", () => ensureHostedZone(home.route53, domain));

  const assemblyDir = join(options.workDir, "cdk.out");
  await step("synth", () => synth(options, hostedZoneId, assemblyDir));
  const stacks = readStacks(assemblyDir);
  const coverage = classifyResources(stacks, options.emulatorTypes);
  say(`[infra] coverage of ${coverage.length} resources:\n${formatCoverage(coverage)}`);
  writeFileSync(join(options.workDir, "coverage.json"), `${JSON.stringify(coverage, null, 2)}\n`);
  const unsupported = coverage.filter((row) => row.coverage === "unsupported");
  if (unsupported.length > 0) {
    throw new DeployError(
      `the emulator cannot provide ${unsupported.length} resource(s), and nothing stands in for them:\n${unsupported
        .map((row) => `  ${row.stack}/${row.logicalId} (${row.type})`)
        .join("\n")}`,
      "remove them from the stacks for the twin, or teach the harness a stand-in (harness/cdk/coverage.ts)",
    );
  }

  const emulatorDir = join(options.workDir, "cdk.emulator.out");
  const replacements = await step("service-API resources before deploy", () =>
    prepareEmulatorAssembly(options.endpoint, stacks, coverage, assemblyDir, emulatorDir),
  );

  const env = {
    ...emulatorDeployEnv(options.endpoint, "us-east-1"),
    PATH: `${BIN}:${process.env.PATH ?? ""}`,
  };
  const cdklocalEnv = {
    ...env,
    AWS_ENVAR_ALLOWLIST: "AWS_REGION,AWS_DEFAULT_REGION,AWS_CONFIG_FILE,AWS_SHARED_CREDENTIALS_FILE",
  };
  const regions = [...new Set(stacks.map((stack) => stack.region))];
  await step("bootstrap", async () => {
    const result = await run(
      join(BIN, "cdklocal"),
      ["bootstrap", "--no-notices", ...regions.map((region) => `aws://${EMULATOR_ACCOUNT}/${region}`)],
      { env: cdklocalEnv, cwd: options.workDir, signal: options.signal },
    );
    if (result.code !== 0) {
      throw new DeployError(
        `cdk bootstrap on the emulator failed:\n${lastLines(result.stdout + result.stderr, 25)}`,
      );
    }
  });
  const outputsFile = join(options.workDir, "cdk-outputs.json");
  await step("deploy", async () => {
    const result = await run(
      join(BIN, "cdklocal"),
      [
        "deploy",
        "--app",
        emulatorDir,
        "--all",
        "--require-approval",
        "never",
        "--no-notices",
        "--progress",
        "events",
        "--outputs-file",
        outputsFile,
      ],
      { env: cdklocalEnv, cwd: options.workDir, signal: options.signal },
    );
    if (result.code !== 0) throw new DeployError(describeDeployFailure(result.stdout + result.stderr));
  });

  await step("service-API resources after deploy", () =>
    realizeAfterDeploy(options.endpoint, stacks, coverage, replacements),
  );

  await step("verify stack resources", () => verifyStackResources(options.endpoint, stacks));

  const outputs = JSON.parse(readFileSync(outputsFile, "utf8")) as Record<string, Record<string, string>>;
  const unknown = Object.entries(outputs).flatMap(([stack, values]) =>
    Object.entries(values)
      .filter(([, value]) => String(value).includes("unknown"))
      .map(([name]) => `${stack}.${name}`),
  );
  if (unknown.length > 0) {
    throw new DeployError(`outputs the emulator answered with "unknown": ${unknown.join(", ")}`);
  }
  const deployment: EmulatorDeployment = { hostedZoneId, coverage, outputs, timingsMs: timings };
  writeFileSync(join(options.workDir, "deployment.json"), `${JSON.stringify(deployment, null, 2)}\n`);
  return deployment;
}

async function requireEmulator(endpoint: string): Promise<void> {
  try {
    const response = await fetch(`${endpoint}/_localstack/health`, { signal: AbortSignal.timeout(5_000) });
    if (response.ok) return;
    throw new Error(`HTTP ${response.status}`);
  } catch (error) {
    throw new DeployError(
      `the emulator does not answer at ${endpoint} (${(error as Error).message})`,
      "start LocalStack first (the harness's EmulatorContainer), and pass its gateway URL",
    );
  }
}

/** Every resource the emulator deployed is complete and has a real physical id (never "unknown"). */
async function verifyStackResources(endpoint: string, stacks: readonly StackArtifact[]): Promise<void> {
  const problems: string[] = [];
  for (const stack of stacks) {
    const clients = emulatorClients(endpoint, stack.region);
    const described = await clients.cloudFormation.send(
      new DescribeStackResourcesCommand({ StackName: stack.stackName }),
    );
    for (const resource of described.StackResources ?? []) {
      const status = resource.ResourceStatus ?? "";
      const id = resource.PhysicalResourceId ?? "";
      if (!status.endsWith("_COMPLETE") || id === "" || id.includes("unknown")) {
        problems.push(
          `${stack.stackName}/${resource.LogicalResourceId} (${resource.ResourceType}): ${status}, physical id "${id}"`,
        );
      }
    }
  }
  if (problems.length > 0)
    throw new DeployError(`resources the emulator did not really create:\n  ${problems.join("\n  ")}`);
}

async function ensureHostedZone(
  route53: ReturnType<typeof emulatorClients>["route53"],
  domain: string,
): Promise<string> {
  const listed = await route53.send(new ListHostedZonesByNameCommand({ DNSName: domain, MaxItems: 1 }));
  const existing = listed.HostedZones?.find((zone) => zone.Name === `${domain}.`);
  const id =
    existing?.Id ??
    (
      await route53.send(
        new CreateHostedZoneCommand({ Name: domain, CallerReference: `threadcast-twin-${Date.now()}` }),
      )
    ).HostedZone?.Id;
  if (!id) throw new DeployError(`the emulator did not return an id for the ${domain} hosted zone`);
  return id.replace(/^\/hostedzone\//, "");
}

async function synth(options: EmulatorDeployOptions, hostedZoneId: string, outDir: string): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(options.workDir, { recursive: true });
  const env = {
    ...emulatorDeployEnv(options.endpoint, "us-east-1"),
    PATH: `${BIN}:${process.env.PATH ?? ""}`,
  };
  const context = {
    phase: String(options.phase),
    operatorCidr: options.operatorCidr,
    hostedZoneId,
    account: EMULATOR_ACCOUNT,
  };
  const result = await run(
    join(BIN, "cdk"),
    [
      "synth",
      "--quiet",
      "--no-notices",
      "--output",
      outDir,
      ...Object.entries(context).flatMap(([key, value]) => ["-c", `${key}=${value}`]),
    ],
    { env, cwd: CDK_DIR, signal: options.signal },
  );
  if (result.code !== 0) {
    throw new DeployError(
      `the CDK app in infra/ failed to synthesize:\n${lastLines(result.stdout + result.stderr, 25)}`,
    );
  }
}

type ReplacementsByStack = Map<string, Map<string, Replacement>>;

async function prepareEmulatorAssembly(
  endpoint: string,
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
    const clients = emulatorClients(endpoint, stack.region);
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

async function realizeAfterDeploy(
  endpoint: string,
  stacks: readonly StackArtifact[],
  coverage: readonly CoverageRow[],
  replacements: ReplacementsByStack,
): Promise<void> {
  for (const stack of stacks) {
    const rows = coverage.filter((row) => row.stack === stack.stackName && row.coverage === "service-api");
    const clients = emulatorClients(endpoint, stack.region);
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

/** The failed resources of a `cdk deploy` (CREATE_FAILED lines), or its last lines. */
export function describeDeployFailure(output: string): string {
  const failed = output
    .split("\n")
    .filter((line) => /(CREATE|UPDATE)_FAILED/.test(line) && !/Resource creation cancelled/.test(line));
  const detail = failed.length > 0 ? failed.join("\n") : lastLines(output, 25);
  return `a stack failed to deploy to the emulator:\n${detail}`;
}
