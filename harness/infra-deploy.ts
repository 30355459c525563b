import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { deployToEmulator } from "./cdk/emulator-deploy.ts";
import { loadConfig } from "./config.ts";
import { EmulatorContainer, emulatorResourceTypes } from "./containers/emulator-container.ts";
import { ensureEngine } from "./engine/docker-engine.ts";
import { ConfigError } from "./errors.ts";
import { ImageResolver } from "./images/image-resolver.ts";
import { testcontainersEnv } from "./engine/testcontainers-env.ts";
import { say } from "./support/progress.ts";

/**
 * `npm run infra:deploy -- [--phase N] [--keep]`: a throw-away LocalStack, the CDK app deployed to it
 * exactly as env:up will, the coverage table and the outputs printed, then the emulator removed (or
 * kept with --keep, for poking at it with the AWS CLI).
 */
export async function infraDeploy(argv: readonly string[], signal: AbortSignal): Promise<void> {
  const phaseArg = argv[argv.indexOf("--phase") + 1];
  const phase = argv.includes("--phase") ? Number(phaseArg) : 1;
  if (phase !== 1 && phase !== 2 && phase !== 3) {
    throw new ConfigError(`unknown phase ${phaseArg}`, "use --phase 1, 2 or 3");
  }
  const keep = argv.includes("--keep");
  Object.assign(process.env, testcontainersEnv());
  const config = loadConfig();
  await ensureEngine(config, signal);
  const image = await new ImageResolver(config, { signal }).resolve("localstack");
  const owner = `infra-deploy-${randomUUID().slice(0, 8)}`;
  const emulator = await new EmulatorContainer(image.reference, owner, config.localstackAuthToken).start();
  try {
    const deployment = await deployToEmulator({
      endpoint: emulator.getConnectionUri(),
      emulatorTypes: await emulatorResourceTypes(emulator),
      workDir: join(config.stateDir, "infra-deploy"),
      phase,
      operatorCidr: config.operatorCidr,
      signal,
    });
    process.stdout.write(`${JSON.stringify(deployment.outputs, null, 2)}\n`);
    say(`[infra] coverage, outputs and templates: ${join(config.stateDir, "infra-deploy")}`);
  } finally {
    if (keep && !signal.aborted) {
      say(
        `[infra] emulator kept at ${emulator.getConnectionUri()}; remove it with: docker rm -f -v ${emulator.getId()}`,
      );
    } else {
      await emulator.stop();
    }
  }
}
