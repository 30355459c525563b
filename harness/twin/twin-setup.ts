import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { join } from "node:path";
import {
  BACKEND_OUTPUTS,
  FRONTEND_OUTPUTS,
  type BackendOutput,
  type FrontendOutput,
  STACK_NAMES,
} from "../../infra/lib/stack-outputs.ts";
import { readStacks } from "../cdk/cloud-assembly.ts";
import { deployedStack, requiredOutput, type DeployedStack } from "../cdk/deployed-stack.ts";
import { deployToEmulator, type EmulatorDeployment } from "../cdk/emulator-deploy.ts";
import type { EmulatorClients } from "../cdk/emulator-clients.ts";
import { TWIN_HOSTS } from "../cdk/twin-hosts.ts";
import type { EdgeConfig } from "../edge/edge-config.ts";
import { EnvironmentError } from "../errors.ts";
import { EMULATOR_IN_TWIN } from "../containers/emulator-container.ts";
import { readDeployedBroker, type DeployedBroker } from "./broker-user.ts";
import { deployedGroup, type DeployedGroup } from "./group-instances.ts";
import { readInstanceUserData, type InstanceUserData } from "./instance-user-data.ts";
import { missingKeyStatus } from "./names.ts";
import { deriveTopology, type Topology } from "./topology.ts";

export { EnvironmentError };

type Backend = DeployedStack<BackendOutput>;
type Frontend = DeployedStack<FrontendOutput>;
const OUT = BACKEND_OUTPUTS;

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
  readonly backend: Backend;
  readonly frontend: Frontend;
  readonly topology: Topology;
  readonly siteNames: readonly string[];
  readonly apiName: string;
  readonly bucket: string;
  readonly database: { readonly name: string; readonly user: string; readonly password: string };
  /** The JWT signing key the deploy generated (kept between runs; the instance's user data reads it itself). */
  readonly jwtSecret: string;
  /** Phase 1: the API instance and the user data the emulator hands it, run by its stand-in at first boot. */
  readonly instance?: InstanceUserData;
  /** Phase 2: the Auto Scaling group as the deploy gave it (its instances are launched by the twin). */
  readonly group?: DeployedGroup;
  /** Phase 2: the message broker the instances relay STOMP through, and its user. */
  readonly broker?: DeployedBroker;
  readonly backendClients: EmulatorClients;
  readonly frontendClients: EmulatorClients;
  /** What an Environment says about the deployment, derived here once for env:up and compose alike. */
  readonly described: {
    readonly urls: { readonly site: string; readonly www: string; readonly api: string; readonly ws: string };
    readonly database: DatabaseDescription;
    readonly securityGroups: DeployedSecurityGroups;
  };
}

/** The deployed security groups the twin enforces, by what they guard, and the region they are in. */
export interface DeployedSecurityGroups {
  readonly api: string;
  readonly database: string;
  readonly region: string;
  /** Phase 2: the load balancer's group (the source the API's group admits 8080 from). */
  readonly loadBalancer?: string;
  /** Phase 2: the message broker's group (61614 from the API's group). */
  readonly broker?: string;
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
  return readDeployedTwin(await deployToEmulator({ ...options, phase: 1 }), options.workDir);
}

/** The API's compute as the emulator holds it: phase 1's instance, or phase 2's group. */
async function apiCompute(
  backend: Backend,
  clients: EmulatorClients,
  topology: Topology,
  deployment: EmulatorDeployment,
): Promise<Pick<DeployedTwin, "instance" | "group">> {
  if (!topology.fleet) return { instance: await readInstanceUserData(clients, backend.stack.stackName) };
  const group = await deployedGroup(
    clients,
    backend.stack.stackName,
    topology.fleet,
    deployment.replacements,
  );
  return { group };
}

/** What the stand-ins need from a deployment (fresh, or still in the emulator from an earlier run). */
export async function readDeployedTwin(
  deployment: EmulatorDeployment,
  workDir: string,
): Promise<DeployedTwin> {
  const stacks = readStacks(join(workDir, "cdk.out"));
  const backend = deployedStack<BackendOutput>(stacks, deployment.outputs, STACK_NAMES.backend);
  const frontend = deployedStack<FrontendOutput>(stacks, deployment.outputs, STACK_NAMES.frontend);
  const topology = deriveTopology(backend.stack.template, frontend.stack.template);
  const backendClients = deployment.clients(backend.stack.region);
  const secrets = await readSecrets(backend, backendClients);
  const broker = await readDeployedBroker(backend, backendClients);
  const databaseName = backend.outputs[OUT.databaseName] ?? topology.database.databaseName;
  const database = {
    name: databaseName,
    user: secrets.database.username,
    password: secrets.database.password,
  };
  const siteNames = requiredOutput(frontend, FRONTEND_OUTPUTS.siteDomainNames).split(",");
  const apiName = requiredOutput(backend, OUT.apiDomainName);
  const databaseHost = backend.outputs[OUT.databaseEndpoint] ?? TWIN_HOSTS.database;
  return {
    deployment,
    backend,
    frontend,
    topology,
    siteNames,
    apiName,
    bucket: requiredOutput(frontend, FRONTEND_OUTPUTS.webBucketName),
    database,
    jwtSecret: secrets.jwt,
    ...(await apiCompute(backend, backendClients, topology, deployment)),
    ...(broker ? { broker } : {}),
    backendClients,
    frontendClients: deployment.clients(frontend.stack.region),
    described: describe(backend, siteNames, apiName, { host: databaseHost, ...database }),
  };
}

/** The database's and the app's secrets from the emulator's Secrets Manager, as the user data reads them. */
async function readSecrets(
  backend: Backend,
  clients: EmulatorClients,
): Promise<{ database: { username: string; password: string }; jwt: string }> {
  const secret = async (arn: string) => {
    const value = await clients.secrets.send(new GetSecretValueCommand({ SecretId: arn }));
    if (!value.SecretString) throw new EnvironmentError(`the secret ${arn} in the emulator has no value`);
    return value.SecretString;
  };
  const database = JSON.parse(await secret(requiredOutput(backend, OUT.databaseSecretArn))) as {
    username?: string;
    password?: string;
  };
  if (!database.username || !database.password)
    throw new EnvironmentError("the database secret in the emulator has no username or password");
  const jwt = await secret(requiredOutput(backend, OUT.jwtSecretArn));
  return { database: { username: database.username, password: database.password }, jwt };
}

/** What an Environment says about the deployment: URLs, where the database is, the security groups. */
function describe(
  backend: Backend,
  siteNames: readonly string[],
  apiName: string,
  database: { readonly host: string; readonly name: string; readonly user: string },
): DeployedTwin["described"] {
  return {
    urls: {
      site: `https://${siteNames[0]}/`,
      www: `https://${siteNames[1] ?? siteNames[0]}/`,
      api: `https://${apiName}/api`,
      ws: `wss://${apiName}/ws`,
    },
    database: {
      host: database.host,
      port: 5432,
      name: database.name,
      user: database.user,
      secretArn: requiredOutput(backend, OUT.databaseSecretArn),
      secretRegion: backend.stack.region,
    },
    securityGroups: {
      api: requiredOutput(backend, OUT.apiSecurityGroupId),
      database: requiredOutput(backend, OUT.databaseSecurityGroupId),
      region: backend.stack.region,
      ...(backend.outputs[OUT.apiLoadBalancerSecurityGroupId]
        ? { loadBalancer: requiredOutput(backend, OUT.apiLoadBalancerSecurityGroupId) }
        : {}),
      ...(backend.outputs[OUT.brokerSecurityGroupId]
        ? { broker: requiredOutput(backend, OUT.brokerSecurityGroupId) }
        : {}),
    },
  };
}

/** The edge's behaviour, from the synthesized distribution and the deployed bucket and its policy. */
export async function edgeSettings(twin: DeployedTwin): Promise<Omit<EdgeConfig, "tls" | "ports">> {
  const edge = twin.topology.edge;
  return {
    distributionId: requiredOutput(twin.frontend, FRONTEND_OUTPUTS.distributionId),
    domainName: twin.frontend.outputs[FRONTEND_OUTPUTS.distributionDomainName] ?? TWIN_HOSTS.edge,
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
