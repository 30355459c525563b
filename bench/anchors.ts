/**
 * Benchmark: AWS emulator anchors, side by side. Our LocalStack image (the twin's emulator) against Moto's
 * server (a second emulator, built offline from fixtures/images/moto; not part of the twin):
 *  - start: from `docker run` until an S3 ListBuckets call succeeds (a real API answer, not a port);
 *  - idle memory: `docker stats`, 10 s after ready, median of 3 samples;
 *  - deploy: the twin's synthesized stacks (the CDK assembly env:up deploys) created through each
 *    emulator's CloudFormation API, until every stack is complete or failed; failures are listed with
 *    the emulator's own reason. The CDK bootstrap and asset publishing are left out on both sides (Moto
 *    has no cdklocal), so the templates' bootstrap-version rule is dropped and the AMI parameter is given
 *    an image the emulator itself lists. env:up's full cdklocal deploy is in env-up-warm.json.
 *
 *   npm run bench:anchors -- [runs]   (default 3 start/idle runs each; one deploy each)
 */
import {
  CreateStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
} from "@aws-sdk/client-cloudformation";
import { DescribeImagesCommand } from "@aws-sdk/client-ec2";
import { CreateHostedZoneCommand } from "@aws-sdk/client-route-53";
import { ListBucketsCommand } from "@aws-sdk/client-s3";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emulatorClients } from "../harness/cdk/emulator-clients.ts";
import { deployToEmulator } from "../harness/cdk/emulator-deploy.ts";
import { loadConfig } from "../harness/config.ts";
import { emulatorResourceTypes, EmulatorContainer } from "../harness/containers/emulator-container.ts";
import { ensureEngine } from "../harness/engine/docker-engine.ts";
import { testcontainersEnv } from "../harness/engine/testcontainers-env.ts";
import { ImageResolver } from "../harness/images/image-resolver.ts";
import { LABEL_OWNER, removeLabelled } from "../harness/support/cleanup.ts";
import { run } from "../harness/support/run.ts";
import { median, onInterrupt, memoryMiB, round, writeResult } from "./lib.ts";

Object.assign(process.env, testcontainersEnv());
const runs = Number(process.argv[2] ?? 3);
const config = loadConfig();
await ensureEngine(config);
const resolver = new ImageResolver(config);
const [localstackImage, motoImage] = await Promise.all([
  resolver.resolve("localstack"),
  resolver.resolve("moto"),
]);
const owner = `bench-anchor-${randomUUID().slice(0, 8)}`;

interface Emulator {
  readonly name: "localstack" | "moto";
  readonly image: string;
  readonly port: number;
  readonly env: readonly string[];
}
const EMULATORS: Emulator[] = [
  // The same settings the twin's emulator container runs with.
  {
    name: "localstack",
    image: localstackImage.reference,
    port: 4566,
    env: ["CFN_IGNORE_UNSUPPORTED_RESOURCE_TYPES=0"],
  },
  { name: "moto", image: motoImage.reference, port: 5000, env: [] },
];

/** Starts the emulator on a loopback port; resolves when S3 answers, with the time that took. */
async function start(
  emulator: Emulator,
  index: number,
): Promise<{ container: string; endpoint: string; readyMs: number }> {
  const container = `${owner}-${emulator.name}-${index}`;
  const started = performance.now();
  const ran = await run("docker", [
    "run",
    "-d",
    "--name",
    container,
    "--label",
    `${LABEL_OWNER}=${owner}`,
    "-p",
    `127.0.0.1::${emulator.port}`,
    ...emulator.env.flatMap((entry) => ["-e", entry]),
    emulator.image,
  ]);
  if (ran.code !== 0) throw new Error(`docker run ${emulator.name}: ${ran.stderr.trim()}`);
  const port = (await run("docker", ["port", container, String(emulator.port)])).stdout
    .trim()
    .split(":")
    .pop();
  const endpoint = `http://127.0.0.1:${port}`;
  const { s3 } = emulatorClients(endpoint, "us-east-1");
  for (;;) {
    try {
      await s3.send(new ListBucketsCommand({}));
      return { container, endpoint, readyMs: performance.now() - started };
    } catch {
      if (performance.now() - started > 180_000)
        throw new Error(`${emulator.name} did not answer S3 within 180 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

interface Assembly {
  readonly dir: string;
  readonly domain: string;
  /** The hosted zone the templates were synthesized against (replaced by each emulator's own). */
  readonly zoneId: string;
  readonly stacks: readonly { readonly name: string; readonly region: string }[];
}

/** The twin's CDK assembly, as env:up deploys it (synthesized once, against a LocalStack). */
async function synthesizedTemplates(): Promise<Assembly> {
  const emulator = await new EmulatorContainer(localstackImage.reference, owner)
    .withLabels({ [LABEL_OWNER]: owner })
    .start();
  const endpoint = `http://${emulator.getHost()}:${emulator.getMappedPort(4566)}`;
  const workDir = mkdtempSync(join(tmpdir(), "anchor-"));
  const deployed = await deployToEmulator({
    endpoint,
    workDir,
    phase: 1,
    operatorCidr: config.operatorCidr,
    emulatorTypes: await emulatorResourceTypes(emulator),
  });
  await emulator.stop();
  const dir = join(workDir, "cdk.emulator.out");
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as {
    artifacts: Record<string, { type: string; environment?: string }>;
  };
  const stacks = Object.entries(manifest.artifacts)
    .filter(([, artifact]) => artifact.type === "aws:cloudformation:stack")
    .map(([name, artifact]) => ({
      name,
      region: (artifact.environment ?? "").split("/").pop() ?? "us-east-1",
    }));
  return { dir, domain: "threadcast.io", zoneId: deployed.hostedZoneId, stacks };
}

interface StackOutcome {
  status: string;
  ms: number;
  failures: string[];
}

/** Creates one stack through CloudFormation and waits until it is complete or failed. */
async function deployStack(
  endpoint: string,
  assembly: Assembly,
  stack: string,
  region: string,
  zoneId: string,
) {
  const clients = emulatorClients(endpoint, region);
  const images = await clients.ec2.send(new DescribeImagesCommand({}));
  const ami = images.Images?.[0]?.ImageId;
  if (ami === undefined) throw new Error(`the emulator at ${endpoint} lists no AMI for ${region}`);
  const text = readFileSync(join(assembly.dir, `${stack}.template.json`), "utf8");
  const template = JSON.parse(text.split(assembly.zoneId).join(zoneId)) as {
    Parameters?: Record<string, { Type: string; Default?: string }>;
    Rules?: unknown;
  };
  delete template.Rules;
  template.Parameters = Object.fromEntries(
    Object.entries(template.Parameters ?? {})
      .filter(([name]) => name !== "BootstrapVersion")
      .map(([name, parameter]) => [
        name,
        parameter.Type.includes("AWS::EC2::Image::Id") ? { Type: "String", Default: ami } : parameter,
      ]),
  );
  const started = performance.now();
  const cloudFormation = clients.cloudFormation;
  try {
    await cloudFormation.send(
      new CreateStackCommand({
        StackName: stack,
        TemplateBody: JSON.stringify(template),
        Capabilities: ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
      }),
    );
  } catch (error) {
    return { status: "REFUSED", ms: round(performance.now() - started), failures: [String(error)] };
  }
  for (;;) {
    const described = await cloudFormation.send(new DescribeStacksCommand({ StackName: stack }));
    const status = described.Stacks?.[0]?.StackStatus ?? "UNKNOWN";
    if (!status.endsWith("_IN_PROGRESS") || performance.now() - started > 300_000) {
      const events = await cloudFormation.send(new DescribeStackEventsCommand({ StackName: stack }));
      const failures = (events.StackEvents ?? [])
        .filter((event) => event.ResourceStatus?.endsWith("_FAILED"))
        .map((event) =>
          `${event.LogicalResourceId} (${event.ResourceType}): ${event.ResourceStatusReason ?? ""}`.slice(
            0,
            300,
          ),
        );
      return { status, ms: round(performance.now() - started), failures };
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The hosted zone, then every stack at once, as env:up deploys them. */
async function deployStacks(endpoint: string, assembly: Assembly) {
  const started = performance.now();
  const zone = await emulatorClients(endpoint, "us-east-1").route53.send(
    new CreateHostedZoneCommand({ Name: assembly.domain, CallerReference: randomUUID() }),
  );
  const zoneId = (zone.HostedZone?.Id ?? "").replace("/hostedzone/", "");
  const outcomes: Record<string, StackOutcome> = {};
  await Promise.all(
    assembly.stacks.map(async ({ name, region }) => {
      outcomes[name] = await deployStack(endpoint, assembly, name, region, zoneId);
    }),
  );
  return { totalMs: round(performance.now() - started), stacks: outcomes };
}

onInterrupt(() => removeLabelled(LABEL_OWNER, owner));
try {
  const assembly = await synthesizedTemplates();
  const results: Record<string, unknown> = {};
  for (const emulator of EMULATORS) {
    const ready: number[] = [];
    const idle: number[] = [];
    let deploy: Awaited<ReturnType<typeof deployStacks>> | undefined;
    for (let index = 0; index < runs; index += 1) {
      const started = await start(emulator, index);
      ready.push(round(started.readyMs));
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      const samples: number[] = [];
      for (let sample = 0; sample < 3; sample += 1) {
        samples.push((await memoryMiB([started.container]))[started.container] ?? Number.NaN);
      }
      idle.push(median(samples));
      if (index === 0) deploy = await deployStacks(started.endpoint, assembly);
      await run("docker", ["rm", "-f", "-v", started.container]);
      process.stderr.write(
        `[bench] ${emulator.name} run ${index + 1}/${runs}: ready ${round(started.readyMs / 1000)} s, idle ${idle.at(-1)} MiB\n`,
      );
    }
    const size = await run("docker", ["image", "inspect", "--format", "{{.Size}}", emulator.image]);
    results[emulator.name] = {
      image: emulator.image,
      imageMiB: round(Number(size.stdout.trim()) / 1024 ** 2),
      readyMs: { median: median(ready), samples: ready },
      idleMemoryMiB: { median: median(idle), samples: idle },
      deploy,
    };
  }
  const summary = EMULATORS.map((emulator) => {
    const entry = results[emulator.name] as {
      readyMs: { median: number };
      idleMemoryMiB: { median: number };
      deploy?: { totalMs: number; stacks: Record<string, { status: string }> };
    };
    const statuses = Object.entries(entry.deploy?.stacks ?? {}).map(
      ([stack, outcome]) => `${stack.replace("Threadcast", "")} ${outcome.status}`,
    );
    // A deploy time only means something when every stack was created.
    const complete = Object.values(entry.deploy?.stacks ?? {}).every(
      (outcome) => outcome.status === "CREATE_COMPLETE",
    );
    const deploy = complete
      ? `${round((entry.deploy?.totalMs ?? Number.NaN) / 1000)} s`
      : "no complete deploy";
    return `${emulator.name}: ${round(entry.readyMs.median / 1000)} s / ${entry.idleMemoryMiB.median} MiB / ${deploy} (${statuses.join(", ")})`;
  }).join("; ");
  const file = await writeResult("anchors", { runs, ...results, summary });
  process.stdout.write(`${JSON.stringify({ runs, ...results, summary }, null, 2)}\n${file}\n`);
} finally {
  await removeLabelled(LABEL_OWNER, owner);
}
