import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { StartedLocalStackContainer } from "@testcontainers/localstack";
import { Wait, type StartedTestContainer } from "testcontainers";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { apiUserData, INSTANCE_FILE_PATHS } from "../../infra/lib/constructs/api-user-data.ts";
import { scrubber, userDataFailure } from "../components/app-start.ts";
import { loadConfig } from "../config.ts";
import { buildReferenceJar } from "../reference-builds/backend-jar.ts";
import { waitFor } from "../support/wait-for.ts";
import { createLocalCa, issueCertificate, type IssuedCertificate } from "../tls/local-ca.ts";
import { EMULATOR_HOST, EMULATOR_IN_TWIN, EmulatorContainer } from "./emulator-container.ts";
import { InstanceContainer } from "./instance-container.ts";
import { LogTail } from "./log-tail.ts";

const REGION = "ap-northeast-2";

/** The instance's user data as the construct renders it, for the given secrets. */
const userDataFor = (databaseSecretArn: string, jwtSecretArn: string) =>
  apiUserData({
    region: REGION,
    databaseHost: "database.twin.internal",
    databaseSecretArn,
    jwtSecretArn,
    logGroupName: "instance-test",
  }).render();

/** The boot's failure line as the log tail received it (its stream runs behind the start's wait). */
const failureIn = (logs: LogTail) =>
  waitFor("the user data's failure line", () =>
    logs.since(/\[cloud-init\] user data started/).some((line) => line.includes("user data failed"))
      ? true
      : undefined,
  );

const exec = (container: StartedTestContainer, ...command: string[]) =>
  execFileSync("docker", ["exec", container.getId(), ...command], { encoding: "utf8" });

describe("the instance stand-in runs the instance's user data for real", () => {
  const owner = inject("runOwner");
  const images = inject("images");
  let network = "";
  let emulator: StartedLocalStackContainer;
  let certificate: IssuedCertificate;
  let jar = "";
  const secrets = {
    username: "threadcast",
    password: randomBytes(18).toString("base64url"),
    jwt: randomBytes(32).toString("base64url"),
  };
  const arns = { database: "", jwt: "" };
  const started: StartedTestContainer[] = [];

  const instance = (userData: string, logs: LogTail, ready = Wait.forLogMessage(/\[instance\] ready/)) =>
    new InstanceContainer({
      image: images.instance as string,
      userData,
      emulator: { endpoint: EMULATOR_IN_TWIN, region: REGION },
      release: { unitFile: INSTANCE_FILE_PATHS.systemdUnit, jarPath: jar },
      certificate,
      cpus: 2,
      memoryGiB: 1,
      owner,
      networks: [{ name: network }],
      ready,
      logs,
      startupTimeoutMs: 60_000,
    });

  beforeAll(async () => {
    network = `${owner}-instance`;
    execFileSync("docker", ["network", "create", "--label", `io.threadcast.harness.owner=${owner}`, network]);
    emulator = await new EmulatorContainer(images.localstack as string, owner)
      .onNetwork(network, EMULATOR_HOST)
      .start();
    const client = new SecretsManagerClient({
      endpoint: emulator.getConnectionUri(),
      region: REGION,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
    const create = async (name: string, value: string) =>
      (await client.send(new CreateSecretCommand({ Name: name, SecretString: value }))).ARN ?? "";
    arns.database = await create(
      "db",
      JSON.stringify({ username: secrets.username, password: secrets.password }),
    );
    arns.jwt = await create("jwt", secrets.jwt);
    client.destroy();
    const dir = mkdtempSync(join(tmpdir(), "instance-"));
    certificate = await issueCertificate(
      await createLocalCa(join(dir, "ca"), "instance test CA"),
      ["api.threadcast.io"],
      dir,
      "api",
    );
    jar = (await buildReferenceJar(loadConfig(), images.postgres as string, owner)).path;
  });

  afterAll(async () => {
    for (const container of started) await container.stop();
    await emulator?.stop();
    // The network carries the run's owner label: the global teardown removes it.
  });

  it("writes the environment file from the emulator's secrets with the AWS CLI and jq, readable by the unit's group only", async () => {
    const logs = new LogTail(400);
    const container = await instance(userDataFor(arns.database, arns.jwt), logs).start();
    started.push(container);
    const env = exec(container, "cat", "/etc/threadcast/threadcast.env");
    expect(env.split("\n").filter(Boolean)).toEqual([
      "DB_HOST=database.twin.internal",
      "DB_PORT=5432",
      "DB_NAME=threadcast",
      `DB_USERNAME=${secrets.username}`,
      `DB_PASSWORD=${secrets.password}`,
      `JWT_SECRET=${secrets.jwt}`,
    ]);
    expect(exec(container, "stat", "-c", "%a %U:%G", "/etc/threadcast/threadcast.env").trim()).toBe(
      "640 root:threadcast",
    );
    // The release laid where the unit says, owned by its user, and the unit started as that user.
    expect(exec(container, "stat", "-c", "%U", "/opt/threadcast/app.jar").trim()).toBe("threadcast");
    expect(exec(container, "systemctl", "is-active", "threadcast").trim()).toBe("active");
    // The operator's certificate was there: no placeholder was made over it.
    expect(exec(container, "cat", "/etc/nginx/tls/fullchain.pem")).toContain("BEGIN CERTIFICATE");
    const output = logs.since(/\[cloud-init\] user data started/).join("\n");
    expect(output).toMatch(/\[stood-in\] dnf install java-17-amazon-corretto-headless: stood in by/);
    expect(output).toMatch(/\[stood-in\] systemctl start nginx: stood in by the twin's proxy container/);
    expect(output).not.toContain(secrets.password);
  });

  it("stops at a wrong secret id, naming the user data's line and command, with no secret in the error", async () => {
    const userData = userDataFor(arns.database, `${arns.jwt}-wrong`);
    const line = userData.split("\n").findIndex((text) => text.startsWith("jwt_secret=")) + 1;
    const logs = new LogTail(400);
    const failing = instance(userData, logs, Wait.forLogMessage(/\[cloud-init\] user data failed/));
    started.push(await failing.start());
    await failureIn(logs);
    const error = userDataFailure(logs, scrubber([secrets.password, secrets.jwt]));
    expect(error.message).toContain(
      `user data failed at line ${line} (exit 255): jwt_secret=$(aws secretsmanager get-secret-value`,
    );
    expect(error.message).toMatch(/ResourceNotFoundException/);
    expect(error.message).not.toContain(secrets.password);
  });

  it("stops at a jq path that finds nothing, naming that line", async () => {
    const userData = userDataFor(arns.database, arns.jwt).replace("jq -er .password", "jq -er .passwd");
    const line = userData.split("\n").findIndex((text) => text.startsWith("db_password=")) + 1;
    const logs = new LogTail(400);
    started.push(
      await instance(userData, logs, Wait.forLogMessage(/\[cloud-init\] user data failed/)).start(),
    );
    await failureIn(logs);
    const error = userDataFailure(logs, scrubber([secrets.password, secrets.jwt]));
    expect(error.message).toContain(
      `user data failed at line ${line} (exit 1): db_password=$(jq -er .passwd`,
    );
  });
});
