import { App, Validations, type AppProps } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { BackendStack } from "./backend-stack.ts";
import { FrontendStack } from "./frontend-stack.ts";
import { readSettings, SEED, type ThreadcastSettings } from "./settings.ts";
import { STACK_NAMES } from "./stack-outputs.ts";

export interface ThreadcastApp {
  readonly app: App;
  readonly settings: ThreadcastSettings;
  readonly backend: BackendStack;
  readonly frontend: FrontendStack;
}

export { STACK_NAMES };

/** Builds the whole estate from the CDK context (`-c phase=1|2|3 -c operatorCidr=... -c hostedZoneId=...`). */
export function createThreadcastApp(
  props: AppProps = {},
  env: NodeJS.ProcessEnv = process.env,
): ThreadcastApp {
  const app = new App(props);
  const settings = readSettings((key) => app.node.tryGetContext(key), env);
  // The seed fixes the AZs (2a, 2c). Answering CDK's availability-zone lookup with them keeps synthesis
  // offline and credential-free, for real accounts and the emulator alike.
  app.node.setContext(`availability-zones:account=${settings.account}:region=${settings.region}`, [
    ...SEED.availabilityZones,
  ]);
  const backend = new BackendStack(app, STACK_NAMES.backend, {
    env: { account: settings.account, region: settings.region },
    description: `ThreadCast API, database and network (phase ${settings.phase})`,
    phase: settings.phase,
    operatorCidr: settings.operatorCidr,
    domain: settings.domain,
    hostedZoneId: settings.hostedZoneId,
  });
  const frontend = new FrontendStack(app, STACK_NAMES.frontend, {
    env: { account: settings.account, region: settings.edgeRegion },
    description: "ThreadCast web app: S3, CloudFront, ACM, Route 53",
    domain: settings.domain,
    hostedZoneId: settings.hostedZoneId,
    bucketName: settings.webBucketName,
  });
  // cdk-nag v3 is a policy-validation plugin: an unacknowledged finding fails synthesis.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, settings, backend, frontend };
}
