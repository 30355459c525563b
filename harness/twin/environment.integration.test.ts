import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { emulatorClients } from "../cdk/emulator-clients.ts";
import { loadConfig, type HarnessConfig } from "../config.ts";
import { run } from "../support/run.ts";
import { SPRING_BOOT_MANIFEST, writeZip } from "../testing/zip.ts";
import { COMPOSE_ENV, entryPointsAt, homeOctet } from "./entry-points.ts";
import {
  COMPONENT_NAMES,
  containerStates,
  readEnvironment,
  startEnvironment,
  stopEnvironment,
  type Environment,
} from "./environment.ts";
import { twinAgent, twinHttpsGet } from "../client/twin-client.ts";
import { claimsOf, cli, leftovers, upInterruptedAt } from "../testing/env-cli.ts";

const suffix = inject("runOwner").replace(/^test-/, "");
/** Two names that hash to the same entry points, so the second must be moved to free ones. */
const NAMES = sameHome(`ita-${suffix}`, `itb-${suffix}`);
function sameHome(a: string, prefix: string): { a: string; b: string } {
  for (let n = 0; n < 100_000; n += 1) {
    if (homeOctet(`${prefix}-${n}`) === homeOctet(a)) return { a, b: `${prefix}-${n}` };
  }
  throw new Error(`no name starting ${prefix} shares ${a}'s home octet`);
}
const configFor = (envName: string): HarnessConfig => ({ ...loadConfig(), envName });
const scratch = mkdtempSync(join(tmpdir(), "env-it-"));

async function inspect(id: string): Promise<Record<string, unknown>> {
  const result = await run("docker", ["inspect", id]);
  return (JSON.parse(result.stdout) as Record<string, unknown>[])[0] as Record<string, unknown>;
}

describe("env:up: the twin from the CDK stacks, reached by its real names over TLS", () => {
  let twin: Environment;
  let other: Environment;

  beforeAll(async () => {
    // Two environments side by side, started at the same time.
    const [a, b] = await Promise.all([
      startEnvironment(configFor(NAMES.a)),
      startEnvironment(configFor(NAMES.b)),
    ]);
    twin = a.environment;
    other = b.environment;
  });

  afterAll(async () => {
    for (const name of [NAMES.a, NAMES.b]) await stopEnvironment(configFor(name));
  });

  it("answers https://api.threadcast.io/api/health with 200 through the name, verified against the twin's CA", async () => {
    expect(twin.urls.api).toBe("https://api.threadcast.io/api");
    const answer = await twinHttpsGet(twin, `${twin.urls.api}/health`);
    expect(answer).toMatchObject({ status: 200, body: '{"status":"UP"}' });
  });

  it("serves the web app's index.html at https://threadcast.io/ and https://www.threadcast.io/", async () => {
    const apex = await twinHttpsGet(twin, "https://threadcast.io/");
    const www = await twinHttpsGet(twin, "https://www.threadcast.io/");
    expect(apex.status).toBe(200);
    expect(apex.body).toContain('<div id="root">');
    expect(www).toMatchObject({ status: 200, body: apex.body });
    expect(apex.headers["cache-control"]).toBe("no-cache");
  });

  it("resolves names from the Route 53 records: the site aliases the distribution, the API the Elastic IP", () => {
    const points = twin.entryPoints;
    expect(twin.hosts).toEqual({
      "threadcast.io": points.edge.address,
      "www.threadcast.io": points.edge.address,
      "api.threadcast.io": points.api.address,
    });
    expect(twin.hostsVia["www.threadcast.io"]).toMatch(/^CNAME threadcast\.io/);
    expect(twin.hostsVia["api.threadcast.io"]).toMatch(/the Elastic IP/);
  });

  it("redirects plain HTTP to HTTPS with 301 on both names", async () => {
    const agent = twinAgent(twin);
    try {
      for (const [url, location] of [
        ["http://threadcast.io/workspaces?x=1", "https://threadcast.io/workspaces?x=1"],
        ["http://api.threadcast.io/api/health", "https://api.threadcast.io/api/health"],
      ] as const) {
        const answer = await request(url, { dispatcher: agent });
        await answer.body.dump();
        expect({ status: answer.statusCode, location: answer.headers.location }).toEqual({
          status: 301,
          location,
        });
      }
    } finally {
      await agent.close();
    }
  });

  it("serves a deep link as index.html with 200, from the distribution's error responses", async () => {
    const index = await twinHttpsGet(twin, "https://threadcast.io/");
    const deep = await twinHttpsGet(twin, "https://threadcast.io/workspaces/42/missions");
    expect(deep).toMatchObject({ status: 200, body: index.body });
    expect(deep.headers["x-cache"]).toBe("Error from cloudfront");
  });

  it("caches a hashed asset for a year: Miss, then Hit with an Age", async () => {
    const index = await twinHttpsGet(twin, "https://threadcast.io/");
    const asset = index.body.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
    expect(asset).toBeDefined();
    const first = await twinHttpsGet(twin, `https://threadcast.io${asset}`);
    const second = await twinHttpsGet(twin, `https://threadcast.io${asset}`);
    expect(first.status).toBe(200);
    expect(first.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(first.headers["x-cache"]).toBe("Miss from cloudfront");
    expect(second.headers["x-cache"]).toBe("Hit from cloudfront");
    expect(Number(second.headers.age)).toBeGreaterThanOrEqual(0);
    expect(second.body).toBe(first.body);
  });

  it("fails TLS verification with another environment's CA, and refuses names that are not the twin's", async () => {
    await expect(
      twinHttpsGet({ hosts: twin.hosts, caFile: other.caFile }, `${twin.urls.api}/health`),
    ).rejects.toThrow(/certificate|self.signed|unable to verify/i);
    await expect(twinHttpsGet(twin, "https://example.com/")).rejects.toThrow(/not a name of the twin/);
  });

  it("sizes the app like t3.micro, keeps its secrets out of its configuration, and the database on the internal network with no port", async () => {
    const app = (await inspect(twin.containers.app)) as {
      HostConfig: { Memory: number; NanoCpus: number };
      Config: { Env: string[] };
    };
    expect(app.HostConfig.Memory).toBe(1024 ** 3);
    expect(app.HostConfig.NanoCpus).toBe(2e9);
    // The secrets are in the unit's EnvironmentFile inside the container, not in its configuration.
    expect(app.Config.Env.filter((entry) => /^(DB_PASSWORD|JWT_SECRET)=/.test(entry))).toEqual([]);
    const database = (await inspect(twin.containers.database)) as {
      NetworkSettings: { Networks: Record<string, unknown>; Ports: Record<string, unknown> };
    };
    expect(Object.keys(database.NetworkSettings.Networks)).toEqual([twin.networks.private]);
    expect(Object.values(database.NetworkSettings.Ports).filter((bindings) => bindings !== null)).toEqual([]);
    const network = (await inspect(twin.networks.private)) as { Internal: boolean };
    expect(network.Internal).toBe(true);
  });

  it("gives the database the password of the secret deployed to the emulator, different per environment", async () => {
    const password = async (environment: Environment) => {
      const secrets = emulatorClients(
        environment.emulator.endpoint,
        environment.database.secretRegion,
      ).secrets;
      const value = await secrets.send(
        new GetSecretValueCommand({ SecretId: environment.database.secretArn }),
      );
      return (JSON.parse(value.SecretString ?? "{}") as { password: string }).password;
    };
    const mine = await password(twin);
    expect(mine.length).toBeGreaterThanOrEqual(16);
    expect(mine).not.toBe(await password(other));
    // Set inside the database (as RDS does), not passed in its configuration.
    const database = (await inspect(twin.containers.database)) as { Config: { Env: string[] } };
    expect(database.Config.Env.filter((entry) => entry.includes(mine))).toEqual([]);
    // A password login over TCP inside the database container (scram), with the deployed password.
    const login = await run("docker", [
      "exec",
      "-e",
      `PGPASSWORD=${mine}`,
      twin.containers.database,
      "psql",
      "-h",
      "127.0.0.1",
      "-U",
      twin.database.user,
      "-d",
      twin.database.name,
      "-tAc",
      "select count(*) from flyway_schema_history where success",
    ]);
    expect(login.code).toBe(0);
    expect(Number(login.stdout.trim())).toBeGreaterThan(0);
  });

  it("runs a second environment side by side on its own addresses, though both names hash alike", async () => {
    // Started at the same time with the same home octet: one got it, the other the next free one.
    const octets = [twin, other].map((environment) =>
      Number(environment.entryPoints.api.address.split(".")[2]),
    );
    expect(octets).toContain(homeOctet(NAMES.a));
    expect(octets[0]).not.toBe(octets[1]);
    expect(other.hosts["api.threadcast.io"]).toBe(other.entryPoints.api.address);
    expect(other.hosts["api.threadcast.io"]).not.toBe(twin.hosts["api.threadcast.io"]);
    expect(other.caFile).not.toBe(twin.caFile);
    expect((await twinHttpsGet(other, `${other.urls.api}/health`)).status).toBe(200);
    expect((await twinHttpsGet(other, other.urls.site)).status).toBe(200);
  });

  it("reuses an environment that is already up instead of starting another", async () => {
    const again = await startEnvironment(configFor(NAMES.a));
    expect(again.reused).toBe(true);
    expect(again.environment.containers).toEqual(twin.containers);
  });

  it("env:status lists every component running, with the CA file; env:logs shows a component's log", async () => {
    const status = await cli(["status"], { HARNESS_ENV: NAMES.a });
    expect(status.code).toBe(0);
    for (const component of COMPONENT_NAMES)
      expect(status.stdout).toMatch(new RegExp(`${component}\\s+running`));
    expect(status.stdout).toContain(twin.caFile);
    const logs = await cli(["logs", "edge"], { HARNESS_ENV: NAMES.a });
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/GET threadcast\.io\/ 200/);
  });

  describe("bad input: a clear error, a non-zero exit, nothing left running, the running twin untouched", () => {
    const bad = (tag: string) => `bad${tag}-${suffix}`;

    it("refuses a jar that is not an executable Spring Boot jar before starting anything", async () => {
      const jar = join(scratch, "plain.jar");
      writeZip(jar, { "META-INF/MANIFEST.MF": "Manifest-Version: 1.0\r\nMain-Class: Main\r\n\r\n" });
      const result = await cli(["up"], { HARNESS_ENV: bad("jar"), HARNESS_APP_JAR: jar });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/is not an executable Spring Boot jar/);
      expect(result.stderr).toMatch(/fix: point HARNESS_APP_JAR/);
      expect(await leftovers(bad("jar"))).toEqual([]);
    });

    it("refuses a web build without index.html", async () => {
      const dist = join(scratch, "dist");
      mkdirSync(join(dist, "assets"), { recursive: true });
      writeFileSync(join(dist, "assets", "app.js"), "console.log(1)\n");
      const result = await cli(["up"], { HARNESS_ENV: bad("web"), HARNESS_WEB_DIST: dist });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/has no index\.html/);
      expect(await leftovers(bad("web"))).toEqual([]);
    });

    it("refuses to start when an entry-point port is taken, naming it", async () => {
      // A name whose home octet no environment holds (a foreign listener there must not be moved past).
      const claims = join(loadConfig().cacheDir, "entry-points");
      const free = (candidate: string) =>
        homeOctet(candidate) !== homeOctet(COMPOSE_ENV) &&
        !existsSync(join(claims, `${homeOctet(candidate)}.json`));
      const name = ["port", "port2", "port3", "port4", "port5"].map(bad).find(free);
      if (name === undefined) throw new Error("no free test name");
      const address = entryPointsAt(homeOctet(name)).api.address;
      const server = createServer();
      await new Promise<void>((resolve, reject) =>
        server.once("error", reject).listen(8080, address, resolve),
      );
      try {
        const result = await cli(["up"], { HARNESS_ENV: name });
        expect(result.code).toBe(1);
        expect(result.stderr).toContain(`already in use: ${address}:8080`);
      } finally {
        server.close();
      }
      expect(await leftovers(name)).toEqual([]);
    });

    it("shows the app's last log lines when the jar never becomes healthy, and removes what it started", async () => {
      const jar = join(scratch, "broken-boot.jar");
      // Spring Boot's manifest, but no launcher classes: the JVM exits at once.
      writeZip(jar, { "META-INF/MANIFEST.MF": SPRING_BOOT_MANIFEST, "BOOT-INF/classes/": "" });
      const name = bad("boot");
      const result = await cli(["up"], { HARNESS_ENV: name, HARNESS_APP_JAR: jar });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/the app's process exited before it became healthy; its last log lines:/);
      expect(result.stderr).toMatch(/Could not find or load main class org\.springframework\.boot\.loader/);
      expect(await leftovers(name)).toEqual([]);
      expect(readEnvironment(configFor(name))).toBeUndefined();
    });

    it("removes the emulator it started when the CDK app cannot be synthesized for it", async () => {
      const name = bad("cdk");
      const result = await cli(["up"], { HARNESS_ENV: name, HARNESS_OPERATOR_CIDR: "not-a-cidr" });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("[emulator] LocalStack started");
      expect(result.stderr).toMatch(/the CDK app in infra\/ failed to synthesize/);
      expect(result.stderr).toMatch(/operatorCidr=not-a-cidr is not an IPv4 CIDR/);
      expect(await leftovers(name)).toEqual([]);
    });

    it("removes everything when interrupted with Ctrl-C in the middle of start-up", async () => {
      const name = bad("int");
      // During the deploy, with the database starting beside it.
      const result = await upInterruptedAt("[infra] hosted zone", { HARNESS_ENV: name });
      expect(result.sent).toBe(true);
      expect(result.code).toBe(130);
      expect(result.stderr).toMatch(/interrupted/);
      expect(result.stderr).not.toMatch(/could not remove/);
      expect(await leftovers(name)).toEqual([]);
      expect(readEnvironment(configFor(name))).toBeUndefined();
      // Its CA and keys go too.
      expect(existsSync(join(configFor(name).stateDir, "envs", name))).toBe(false);
    });

    it("stops waiting for the app when interrupted while it starts, and removes everything", async () => {
      const name = bad("app");
      // The app's start begins once the master user exists: the case that once waited until its
      // health check's deadline, because its container was removed under the poll.
      const result = await upInterruptedAt("master user and database:", { HARNESS_ENV: name });
      const said = result.stderr.slice(-3_000);
      expect(result.sent).toBe(true);
      expect(result.code, said).toBe(130);
      expect(result.stderr).not.toMatch(/cleanup is taking too long/);
      expect(await leftovers(name), said).toEqual([]);
      expect(existsSync(join(configFor(name).stateDir, "envs", name))).toBe(false);
      expect(claimsOf(name)).toEqual([]);
    });

    it("removes the environment by its label when the cleanup outlasts the grace period", async () => {
      const name = bad("net");
      // Well into the deploy, when every container started so far has been created: the net must not
      // race a container's creation.
      const env = { HARNESS_ENV: name, HARNESS_INTERRUPT_GRACE: "0.001" };
      const result = await upInterruptedAt("[infra] bootstrap:", env);
      expect(result.sent).toBe(true);
      expect(result.code).toBe(130);
      expect(result.stderr).toMatch(/cleanup is taking too long: removing the environment by its label/);
      expect(await leftovers(name)).toEqual([]);
      expect(existsSync(join(configFor(name).stateDir, "envs", name))).toBe(false);
      expect(claimsOf(name)).toEqual([]);
    });

    it("left the running twin as it was", async () => {
      expect(await containerStates(NAMES.a)).toEqual(
        Object.fromEntries(COMPONENT_NAMES.map((component) => [component, "running"])),
      );
      expect((await twinHttpsGet(twin, `${twin.urls.api}/health`)).status).toBe(200);
    });
  });

  it("env:down removes every container, network and volume of the environment, and its CA", async () => {
    expect(await leftovers(NAMES.b)).not.toEqual([]);
    const down = await cli(["down"], { HARNESS_ENV: NAMES.b });
    expect(down.code).toBe(0);
    expect(await leftovers(NAMES.b)).toEqual([]);
    expect(readEnvironment(configFor(NAMES.b))).toBeUndefined();
    // The other environment is still up.
    expect((await twinHttpsGet(twin, `${twin.urls.api}/health`)).status).toBe(200);
  });
});
