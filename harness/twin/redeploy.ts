import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { GetSecretValueCommand, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { BACKEND_OUTPUTS, STACK_NAMES } from "../../infra/lib/stack-outputs.ts";
import { readStacks } from "../cdk/cloud-assembly.ts";
import { emulatorClientCache } from "../cdk/emulator-client-cache.ts";
import { deployToEmulator, type EmulatorDeployment } from "../cdk/emulator-deploy.ts";
import type { ResumeLog } from "../components/resume.ts";
import type { KeptState } from "./kept-state.ts";
import { EnvironmentError, readDeployedTwin, type DeployedTwin } from "./twin-setup.ts";

const savedDeployment = (workDir: string) => join(workDir, "deployment.json");

/** The deployment an earlier env:up saved, with clients for the emulator at `endpoint`. */
function readSavedDeployment(workDir: string, endpoint: string): EmulatorDeployment | undefined {
  if (!existsSync(savedDeployment(workDir)) || !existsSync(join(workDir, "cdk.out"))) return undefined;
  const saved = JSON.parse(readFileSync(savedDeployment(workDir), "utf8")) as Omit<
    EmulatorDeployment,
    "clients"
  >;
  return { ...saved, replacements: saved.replacements ?? {}, clients: emulatorClientCache(endpoint) };
}

/** True when the running emulator still holds every stack the saved deployment deployed. */
export async function stacksStillDeployed(endpoint: string, workDir: string): Promise<boolean> {
  const deployment = readSavedDeployment(workDir, endpoint);
  if (!deployment) return false;
  const stacks = readStacks(join(workDir, "cdk.out"));
  for (const stack of stacks) {
    const described = await deployment
      .clients(stack.region)
      .cloudFormation.send(new DescribeStacksCommand({ StackName: stack.stackName }))
      .catch(() => undefined);
    const status = described?.Stacks?.[0]?.StackStatus ?? "";
    if (!/_COMPLETE$/.test(status) || /ROLLBACK|DELETE/.test(status)) return false;
  }
  return true;
}

export interface Redeploy {
  readonly endpoint: string;
  readonly workDir: string;
  readonly emulatorTypes: ReadonlySet<string>;
  readonly operatorCidr: string;
  readonly phase: 1 | 2;
  /** True when the emulator was kept running with the stacks in it: they are read back, not deployed. */
  readonly keptEmulator: boolean;
  readonly kept?: KeptState | undefined;
  readonly log: ResumeLog;
  readonly signal?: AbortSignal;
}

/**
 * The stacks in the emulator: read back from a kept emulator that still holds them, else deployed, and
 * when the environment has kept state, with its values put back (the Elastic IP recovered by the deploy,
 * the two secrets restored after it), so the kept database and a running app still match them.
 */
export async function deployOrReadBack(options: Redeploy): Promise<DeployedTwin> {
  const started = performance.now();
  const saved = options.keptEmulator ? readSavedDeployment(options.workDir, options.endpoint) : undefined;
  if (saved) {
    const twin = await readDeployedTwin(saved, options.workDir);
    options.log.note("stacks", "still in the emulator: read back", performance.now() - started);
    return twin;
  }
  const deployment = await deployToEmulator({
    endpoint: options.endpoint,
    emulatorTypes: options.emulatorTypes,
    workDir: options.workDir,
    operatorCidr: options.operatorCidr,
    phase: options.phase,
    ...(options.kept ? { previous: options.kept.replacements } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (options.kept) await restoreSecrets(deployment, options.workDir, options.kept.secrets);
  const twin = await readDeployedTwin(deployment, options.workDir);
  if (options.log.resuming)
    options.log.note(
      "stacks",
      options.kept
        ? "deployed again; the Elastic IP, the master password and the JWT key put back as they were"
        : "deployed again",
      performance.now() - started,
    );
  return twin;
}

/**
 * Puts the kept values back into the secrets the redeploy generated anew, as an operator restoring a
 * secret's earlier value would: the database's (its password, beside what the attachment added), the
 * JWT key, and in phase 2 the broker's user (the kept broker and instances hold it).
 */
async function restoreSecrets(
  deployment: EmulatorDeployment,
  workDir: string,
  secrets: KeptState["secrets"],
): Promise<void> {
  const backend = readStacks(join(workDir, "cdk.out")).find(
    (stack) => stack.stackName === STACK_NAMES.backend,
  );
  const outputs = deployment.outputs[STACK_NAMES.backend] ?? {};
  const databaseArn = outputs[BACKEND_OUTPUTS.databaseSecretArn];
  const jwtArn = outputs[BACKEND_OUTPUTS.jwtSecretArn];
  if (!backend || !databaseArn || !jwtArn)
    throw new EnvironmentError("the redeployed backend stack names no database or JWT secret to restore");
  const client = deployment.clients(backend.region).secrets;
  const current = await client.send(new GetSecretValueCommand({ SecretId: databaseArn }));
  const database = {
    ...(JSON.parse(current.SecretString ?? "{}") as object),
    password: secrets.databasePassword,
  };
  await client.send(
    new PutSecretValueCommand({ SecretId: databaseArn, SecretString: JSON.stringify(database) }),
  );
  await client.send(new PutSecretValueCommand({ SecretId: jwtArn, SecretString: secrets.jwt }));
  const brokerArn = outputs[BACKEND_OUTPUTS.brokerSecretArn];
  if (brokerArn && secrets.broker)
    await client.send(new PutSecretValueCommand({ SecretId: brokerArn, SecretString: secrets.broker }));
}

/** What a running environment's emulator holds, read back as env:up read it (for the group's controller). */
export async function readBackDeployment(workDir: string, endpoint: string): Promise<DeployedTwin> {
  const saved = readSavedDeployment(workDir, endpoint);
  if (!saved)
    throw new EnvironmentError(
      `no deployment saved in ${workDir}: the environment was not brought up by env:up`,
      "npm run env:up brings it up",
    );
  return readDeployedTwin(saved, workDir);
}
