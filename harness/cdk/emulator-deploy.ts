import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DescribeStackResourcesCommand } from "@aws-sdk/client-cloudformation";
import { CreateHostedZoneCommand, ListHostedZonesByNameCommand } from "@aws-sdk/client-route-53";
import { SEED } from "../../infra/lib/settings.ts";
import { REPO_ROOT } from "../config.ts";
import { formatMs, say } from "../support/progress.ts";
import { lastLines, run } from "../support/run.ts";
import { readStacks, type StackArtifact } from "./cloud-assembly.ts";
import { classifyResources, formatCoverage, type CoverageRow } from "./coverage.ts";
import { DeployError } from "./deploy-error.ts";
import { EMULATOR_ACCOUNT, emulatorDeployEnv } from "./deploy-env.ts";
import { emulatorClientCache, type EmulatorClientCache } from "./emulator-client-cache.ts";
import type { EmulatorClients } from "./emulator-clients.ts";
import { prepareEmulatorAssembly, realizeAfterDeploy } from "./service-api-resources.ts";
import { PROPERTY_OUTPUT_PREFIX, type KeptReplacements } from "./template-rewrite.ts";

export { DeployError };

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
  /**
   * What the stand-ins gave the removed resources in an earlier deploy of the same environment, by stack
   * and logical id: those AWS keeps across (the Elastic IP's address) are given the same values again.
   */
  readonly previous?: KeptReplacements;
}

export interface EmulatorDeployment {
  readonly hostedZoneId: string;
  readonly coverage: readonly CoverageRow[];
  /** Stack name -> output name -> value. */
  readonly outputs: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly timingsMs: Readonly<Record<string, number>>;
  /** What the stand-ins gave the removed resources (kept for the next deploy of the environment). */
  readonly replacements: KeptReplacements;
  /** The deploy's own emulator clients, by region (a function, so deployment.json leaves it out). */
  readonly clients: EmulatorClientCache;
}

const CDK_DIR = join(REPO_ROOT, "infra");
const BIN = join(REPO_ROOT, "node_modules", ".bin");

/** The allowlisted deploy environment, with the project's own CDK binaries (and tsx) first on PATH. */
const cdkEnv = (endpoint: string) => ({
  ...emulatorDeployEnv(endpoint, "us-east-1"),
  PATH: `${BIN}:${process.env.PATH ?? ""}`,
});

/** cdklocal strips AWS_* variables before it runs the CDK CLI, except those named here. */
const cdklocalEnv = (endpoint: string) => ({
  ...cdkEnv(endpoint),
  AWS_ENVAR_ALLOWLIST:
    "AWS_REGION,AWS_DEFAULT_REGION,AWS_CONFIG_FILE,AWS_SHARED_CREDENTIALS_FILE,AWS_S3_FORCE_PATH_STYLE",
});

/** A named step of the deploy: it runs `work`, then prints and records how long it took. */
type Step = <T>(name: string, work: () => Promise<T>) => Promise<T>;

function timedStep(timings: Record<string, number>): Step {
  return async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await work();
    const ms = performance.now() - started;
    timings[name] = ms;
    say(`[infra] ${name}: ${formatMs(ms)}`);
    return result;
  };
}

/** Every region a stack of any phase deploys to: the seed's, and us-east-1 for CloudFront's parts. */
const STACK_REGIONS = [SEED.region, SEED.edgeRegion] as const;

/** A promise that never rejects: its outcome, to be unwrapped once the work beside it is done. */
async function settled<T>(work: Promise<T>): Promise<{ unwrap: () => T }> {
  try {
    const value = await work;
    return { unwrap: () => value };
  } catch (error) {
    return {
      unwrap: () => {
        throw error;
      },
    };
  }
}

/** The hosted zone, the synthesized stacks with their coverage, and the emulator's copy of them. */
async function prepareAssembly(options: EmulatorDeployOptions, clients: EmulatorClientCache, step: Step) {
  const hostedZoneId = await step("hosted zone", () =>
    ensureHostedZone(clients("us-east-1").route53, options.domain ?? "threadcast.io"),
  );
  const assemblyDir = join(options.workDir, "cdk.out");
  await step("synth", () => synth(options, hostedZoneId, assemblyDir));
  const stacks = readStacks(assemblyDir);
  const unexpected = stacks.filter((stack) => !(STACK_REGIONS as readonly string[]).includes(stack.region));
  if (unexpected.length > 0) {
    throw new DeployError(
      `stacks in regions the emulator was not bootstrapped in: ${unexpected.map((stack) => `${stack.stackName} (${stack.region})`).join(", ")}`,
      "add the region to STACK_REGIONS in harness/cdk/emulator-deploy.ts",
    );
  }
  const coverage = requireCoverage(stacks, options);
  const emulatorDir = join(options.workDir, "cdk.emulator.out");
  const replacements = await step("service-API resources before deploy", () =>
    prepareEmulatorAssembly(clients, stacks, coverage, assemblyDir, emulatorDir, options.previous),
  );
  return { hostedZoneId, stacks, coverage, replacements, emulatorDir };
}

/**
 * Deploys the CDK app to LocalStack through the CDK toolchain, with nothing silently faked:
 * synth -> classify every resource (unsupported types stop here) -> the emulator's copy of each
 * template without the resources that service APIs or stand-ins provide -> cdklocal bootstrap and
 * deploy -> the service-API resources -> outputs, none of them "unknown".
 */
export async function deployToEmulator(options: EmulatorDeployOptions): Promise<EmulatorDeployment> {
  const timings: Record<string, number> = {};
  const step = timedStep(timings);
  await requireEmulator(options.endpoint);
  const clients = emulatorClientCache(options.endpoint);
  const env = cdklocalEnv(options.endpoint);
  mkdirSync(options.workDir, { recursive: true });
  // The bootstrap needs only the regions, so it runs beside the hosted zone, the synth and the
  // service-API resources (about 10 s off every env:up); its failure is reported after theirs.
  const bootstrapped = settled(step("bootstrap", () => bootstrap(options, env, STACK_REGIONS)));
  const prepared = await prepareAssembly(options, clients, step).catch(async (error: unknown) => {
    await bootstrapped;
    throw error;
  });
  (await bootstrapped).unwrap();
  const { hostedZoneId, stacks, coverage, replacements, emulatorDir } = prepared;
  const outputsFile = join(options.workDir, "cdk-outputs.json");
  await step("deploy", () => deploy(options, env, emulatorDir, outputsFile));
  await step("service-API resources after deploy", () =>
    realizeAfterDeploy(clients, stacks, coverage, replacements),
  );
  await step("verify stack resources", () => verifyStackResources(clients, stacks));

  const outputs = knownOutputs(outputsFile);
  const deployment: EmulatorDeployment = {
    hostedZoneId,
    coverage,
    outputs,
    timingsMs: timings,
    replacements: Object.fromEntries(
      [...replacements].map(([stack, byId]) => [stack, Object.fromEntries(byId)] as const),
    ),
    clients,
  };
  writeFileSync(join(options.workDir, "deployment.json"), `${JSON.stringify(deployment, null, 2)}\n`);
  return deployment;
}

/** Classifies every resource, prints the coverage table and writes coverage.json; refuses unsupported ones. */
function requireCoverage(stacks: readonly StackArtifact[], options: EmulatorDeployOptions): CoverageRow[] {
  const coverage = classifyResources(stacks, options.emulatorTypes);
  say(`[infra] coverage of ${coverage.length} resources:\n${formatCoverage(coverage)}`);
  writeFileSync(join(options.workDir, "coverage.json"), `${JSON.stringify(coverage, null, 2)}\n`);
  const unsupported = coverage.filter((row) => row.coverage === "unsupported");
  if (unsupported.length > 0) {
    throw new DeployError(
      `the emulator cannot provide ${unsupported.length} resource(s), and nothing stands in for them:\n${unsupported
        .map((row) => `  ${row.stack}/${row.logicalId} (${row.type})`)
        .join("\n")}`,
      "remove them from the stacks for the twin, or teach the harness a stand-in (an entry in harness/cdk/stand-in-registry.ts)",
    );
  }
  return coverage;
}

/** `cdklocal bootstrap` of every account/region the stacks deploy to. */
async function bootstrap(
  options: EmulatorDeployOptions,
  env: Record<string, string>,
  regions: readonly string[],
): Promise<void> {
  const result = await run(
    join(BIN, "cdklocal"),
    ["bootstrap", "--no-notices", ...regions.map((region) => `aws://${EMULATOR_ACCOUNT}/${region}`)],
    { env, cwd: options.workDir, signal: options.signal },
  );
  if (result.code !== 0) {
    throw new DeployError(
      `cdk bootstrap on the emulator failed:\n${lastLines(result.stdout + result.stderr, 25)}`,
    );
  }
}

/** `cdklocal deploy` of the emulator's copy of the assembly, writing the stacks' outputs to `outputsFile`. */
async function deploy(
  options: EmulatorDeployOptions,
  env: Record<string, string>,
  emulatorDir: string,
  outputsFile: string,
): Promise<void> {
  const result = await run(
    join(BIN, "cdklocal"),
    [
      "deploy",
      "--app",
      emulatorDir,
      "--all",
      "--require-approval",
      "never",
      // The two stacks do not depend on each other: deployed side by side.
      "--concurrency",
      "2",
      "--no-notices",
      "--progress",
      "events",
      "--outputs-file",
      outputsFile,
    ],
    { env, cwd: options.workDir, signal: options.signal },
  );
  if (result.code !== 0) throw new DeployError(describeDeployFailure(result.stdout + result.stderr));
}

/**
 * The stacks' outputs as `cdk deploy` wrote them, without the twin's property outputs; refuses any
 * (those included) the emulator answered with "unknown".
 */
function knownOutputs(outputsFile: string): Record<string, Record<string, string>> {
  const outputs = JSON.parse(readFileSync(outputsFile, "utf8")) as Record<string, Record<string, string>>;
  const unknown = Object.entries(outputs).flatMap(([stack, values]) =>
    Object.entries(values)
      .filter(([, value]) => String(value).includes("unknown"))
      .map(([name]) => `${stack}.${name}`),
  );
  if (unknown.length > 0) {
    throw new DeployError(`outputs the emulator answered with "unknown": ${unknown.join(", ")}`);
  }
  return Object.fromEntries(
    Object.entries(outputs).map(([stack, values]) => [
      stack,
      Object.fromEntries(Object.entries(values).filter(([name]) => !name.startsWith(PROPERTY_OUTPUT_PREFIX))),
    ]),
  );
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
async function verifyStackResources(
  clients: EmulatorClientCache,
  stacks: readonly StackArtifact[],
): Promise<void> {
  const problems: string[] = [];
  for (const stack of stacks) {
    const described = await clients(stack.region).cloudFormation.send(
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

async function ensureHostedZone(route53: EmulatorClients["route53"], domain: string): Promise<string> {
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
  const env = cdkEnv(options.endpoint);
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

/** The failed resources of a `cdk deploy` (CREATE_FAILED lines), or its last lines. */
export function describeDeployFailure(output: string): string {
  const failed = output
    .split("\n")
    .filter((line) => /(CREATE|UPDATE)_FAILED/.test(line) && !/Resource creation cancelled/.test(line));
  const detail = failed.length > 0 ? failed.join("\n") : lastLines(output, 25);
  return `a stack failed to deploy to the emulator:\n${detail}`;
}
