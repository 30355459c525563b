/**
 * Benchmark: cold start of the reference jar to a healthy /api/health, run the way the EC2 unit runs it
 * (ExecStart read from fixtures/instance/threadcast.service) in a container limited like a t3.micro
 * (2 vCPU, 1 GiB), against PostgreSQL 15 on its own network. Prints each run, the median, and the
 * app's memory once healthy. A measurement, never an assertion.
 *
 *   npm run bench:jar -- [runs]
 */
import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { Network } from "testcontainers";
import { INSTANCE_FILE_PATHS } from "../infra/lib/constructs/api-user-data.ts";
import { loadConfig } from "../harness/config.ts";
import { DatabaseContainer } from "../harness/containers/database-container.ts";
import { AppContainer } from "../harness/containers/app-container.ts";
import { ensureEngine } from "../harness/engine/docker-engine.ts";
import { testcontainersEnv } from "../harness/engine/testcontainers-env.ts";
import { buildReferenceJar } from "../harness/reference-builds/backend-jar.ts";
import { ImageResolver } from "../harness/images/image-resolver.ts";
import { LABEL_OWNER, removeLabelled } from "../harness/support/cleanup.ts";
import { readServiceUnit } from "../harness/twin/systemd-unit.ts";

Object.assign(process.env, testcontainersEnv());
const runs = Number(process.argv[2] ?? 3);
const config = loadConfig();
await ensureEngine(config);
const resolver = new ImageResolver(config);
const [postgres, jre] = await Promise.all([resolver.resolve("postgres"), resolver.resolve("jre")]);
const owner = `bench-${randomUUID().slice(0, 8)}`;
const jar = await buildReferenceJar(config, postgres.reference, owner);
const unit = readServiceUnit(INSTANCE_FILE_PATHS.systemdUnit);

const network = await new Network().start();
const samples: number[] = [];
try {
  const database = await new DatabaseContainer(postgres.reference, owner)
    .withNetwork(network)
    .withNetworkAliases("database")
    .withDatabase("threadcast")
    .withUsername("threadcast")
    .start();
  for (let run = 1; run <= runs; run += 1) {
    const app = new AppContainer({
      image: jre.reference,
      jarPath: jar.path,
      unit,
      environment: {
        DB_HOST: "database",
        DB_NAME: "threadcast",
        DB_USERNAME: "threadcast",
        DB_PASSWORD: database.getPassword(),
        JWT_SECRET: randomBytes(48).toString("base64url"),
      },
      cpus: 2,
      memoryGiB: 1,
      owner,
      networks: [{ name: network.getName() }],
    });
    const started = performance.now();
    const running = await app.start();
    const ms = performance.now() - started;
    samples.push(ms);
    const memory = execFileSync(
      "docker",
      ["stats", "--no-stream", "--format", "{{.MemUsage}}", running.getId()],
      { encoding: "utf8" },
    ).trim();
    console.log(
      `run ${run}: healthy after ${(ms / 1000).toFixed(2)} s (container create + JVM + Flyway + Spring), memory ${memory}`,
    );
    await running.stop();
  }
} finally {
  await removeLabelled(LABEL_OWNER, owner);
  await network.stop().catch(() => undefined);
}
const sorted = [...samples].sort((a, b) => a - b);
console.log(
  `median of ${runs}: ${((sorted[Math.floor(sorted.length / 2)] ?? 0) / 1000).toFixed(2)} s; jar ${(jar.sizeBytes / 1024 ** 2).toFixed(1)} MiB`,
);
