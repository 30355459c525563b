import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { join } from "node:path";
import { readStacks, type StackArtifact } from "../cdk/cloud-assembly.ts";
import { deployToEmulator, type EmulatorDeployment } from "../cdk/emulator-deploy.ts";
import type { EmulatorClients } from "../cdk/emulator-clients.ts";
import { TWIN_HOSTS } from "../cdk/stand-ins.ts";
import type { EdgeConfig } from "../edge/edge-config.ts";
import { HarnessError } from "../errors.ts";
import { EMULATOR_IN_TWIN } from "../containers/emulator-container.ts";
import { missingKeyStatus } from "./names.ts";
import { deriveTopology, type Topology } from "./topology.ts";

export class EnvironmentError extends HarnessError {}

interface DeployedStack {
  readonly stack: StackArtifact;
  readonly outputs: Readonly<Record<string, string>>;
}

/** Where the twin's database is and where its password lives (the deployed secret), never the password. */
export interface DatabaseDescription {
  readonly host: string;
  readonly port: number;
  readonly name: string;
  readonly user: string;
  /** Where the password lives: the secret deployed to the emulator (read it from there, never from here). */
  readonly secretArn: string;
  readonly secretRegion: string;
}

/** What the stacks produced in the emulator, and what the stand-ins are configured from. */
export interface DeployedTwin {
  readonly deployment: EmulatorDeployment;
  readonly backend: DeployedStack;
  readonly frontend: DeployedStack;
  readonly topology: Topology;
  readonly siteNames: readonly string[];
  readonly apiName: string;
  readonly bucket: string;
  readonly database: { readonly name: string; readonly user: string; readonly password: string };
  /** The instance's EnvironmentFile, as its user data builds it from the deployed secrets. */
  readonly appEnvironment: Readonly<Record<string, string>>;
  readonly backendClients: EmulatorClients;
  readonly frontendClients: EmulatorClients;
  /** What an Environment says about the deployment, derived here once for env:up and compose alike. */
  readonly described: {
    readonly urls: { readonly site: string; readonly www: string; readonly api: string; readonly ws: string };
    readonly database: DatabaseDescription;
    readonly securityGroups: { readonly api: string; readonly database: string; readonly region: string };
  };
}

function stackWith(
  stacks: readonly StackArtifact[],
  outputs: Readonly<Record<string, Readonly<Record<string, string>>>>,
  output: string,
): DeployedStack {
  const stack = stacks.find((candidate) => outputs[candidate.stackName]?.[output] !== undefined);
  if (!stack) throw new EnvironmentError(`no deployed stack has the output ${output}`);
  return { stack, outputs: outputs[stack.stackName] ?? {} };
}

function output(stack: DeployedStack, name: string): string {
  const value = stack.outputs[name];
  if (value === undefined || value === "")
    throw new EnvironmentError(`the stack ${stack.stack.stackName} has no output ${name}`);
  return value;
}

/**
 * Deploys the stacks to the emulator at `endpoint` and reads back what the stand-ins need: the topology
 * from the synthesized templates, the names from the outputs, and the database's and the app's secrets
 * from Secrets Manager, as the instance's user data reads them.
 */
export async function deployTwin(options: {
  readonly endpoint: string;
  readonly emulatorTypes: ReadonlySet<string>;
  readonly workDir: string;
  readonly operatorCidr: string;
  readonly signal?: AbortSignal;
}): Promise<DeployedTwin> {
  const deployment = await deployToEmulator({ ...options, phase: 1 });
  const stacks = readStacks(join(options.workDir, "cdk.out"));
  const backend = stackWith(stacks, deployment.outputs, "DatabaseSecretArn");
  const frontend = stackWith(stacks, deployment.outputs, "WebBucketName");
  const topology = deriveTopology(backend.stack.template, frontend.stack.template);
  const backendClients = deployment.clients(backend.stack.region);
  const frontendClients = deployment.clients(frontend.stack.region);
  const secret = async (arn: string) => {
    const value = await backendClients.secrets.send(new GetSecretValueCommand({ SecretId: arn }));
    if (!value.SecretString) throw new EnvironmentError(`the secret ${arn} in the emulator has no value`);
    return value.SecretString;
  };
  const databaseSecret = JSON.parse(await secret(output(backend, "DatabaseSecretArn"))) as {
    username?: string;
    password?: string;
  };
  if (!databaseSecret.username || !databaseSecret.password)
    throw new EnvironmentError("the database secret in the emulator has no username or password");
  const jwtSecret = await secret(output(backend, "JwtSecretArn"));
  const databaseName = backend.outputs.DatabaseName ?? topology.database.databaseName;
  const siteNames = output(frontend, "SiteDomainNames").split(",");
  const apiName = output(backend, "ApiDomainName");
  const databaseHost = backend.outputs.DatabaseEndpoint ?? TWIN_HOSTS.database;
  return {
    deployment,
    backend,
    frontend,
    topology,
    siteNames,
    apiName,
    bucket: output(frontend, "WebBucketName"),
    database: { name: databaseName, user: databaseSecret.username, password: databaseSecret.password },
    appEnvironment: {
      DB_HOST: databaseHost,
      DB_PORT: "5432",
      DB_NAME: databaseName,
      DB_USERNAME: databaseSecret.username,
      DB_PASSWORD: databaseSecret.password,
      JWT_SECRET: jwtSecret,
    },
    backendClients,
    frontendClients,
    described: {
      urls: {
        site: `https://${siteNames[0]}/`,
        www: `https://${siteNames[1] ?? siteNames[0]}/`,
        api: `https://${apiName}/api`,
        ws: `wss://${apiName}/ws`,
      },
      database: {
        host: databaseHost,
        port: 5432,
        name: databaseName,
        user: databaseSecret.username,
        secretArn: output(backend, "DatabaseSecretArn"),
        secretRegion: backend.stack.region,
      },
      securityGroups: {
        api: output(backend, "ApiSecurityGroupId"),
        database: output(backend, "DatabaseSecurityGroupId"),
        region: backend.stack.region,
      },
    },
  };
}

/** The edge's behaviour, from the synthesized distribution and the deployed bucket and its policy. */
export async function edgeSettings(twin: DeployedTwin): Promise<Omit<EdgeConfig, "tls" | "ports">> {
  const edge = twin.topology.edge;
  return {
    distributionId: output(twin.frontend, "DistributionId"),
    domainName: twin.frontend.outputs.DistributionDomainName ?? TWIN_HOSTS.edge,
    aliases: edge.aliases,
    defaultRootObject: edge.defaultRootObject,
    viewerProtocolPolicy: edge.viewerProtocolPolicy,
    errorResponses: edge.errorResponses,
    cache: edge.cache,
    compress: edge.compress,
    minimumTlsVersion: edge.minimumTlsVersion,
    origin: {
      endpoint: EMULATOR_IN_TWIN,
      bucket: twin.bucket,
      region: twin.frontend.stack.region,
      missingKeyStatus: await missingKeyStatus(twin.frontendClients.s3, twin.bucket),
    },
  };
}
