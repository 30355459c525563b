import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { twinHttpsGet } from "../client/twin-client.ts";
import { loadConfig, type HarnessConfig } from "../config.ts";
import { containerStartedAt } from "../drills/container-started-at.ts";
import { makeDrillUser, signInAgain, withApi, type DrillUser } from "../drills/drill-user.ts";
import { restartHarnessEngine } from "../drills/restart-engine.ts";
import { harnessStartedEngine } from "../engine/docker-engine.ts";
import { run } from "../support/run.ts";
import { cli, leftovers, upKilledAfterStep } from "../testing/env-cli.ts";
import {
  COMPONENT_NAMES,
  containerStates,
  startEnvironment,
  stopEnvironment,
  type Environment,
} from "./environment.ts";
import { volumeNameOf } from "./identity.ts";

const suffix = inject("runOwner").replace(/^test-/, "");
const NAME = `rsm-${suffix}`;
const configFor = (envName: string): HarnessConfig => ({ ...loadConfig(), envName });
const config = configFor(NAME);
/**
 * env:up killed at a random moment from its first containers to its app's start: after one of its
 * 5th to 15th finished steps (of the 19 phase 1 prints), up to a second later.
 */
async function upKilledAtRandom(env: Record<string, string>): Promise<{ lastLine: string }> {
  const killed = await upKilledAfterStep(
    5 + Math.floor(Math.random() * 11),
    Math.floor(Math.random() * 1_000),
    env,
  );
  if (!killed.killed) throw new Error(`env:up ended before the kill landed (last: ${killed.lastLine})`);
  return killed;
}
const line = (instance: string, outcome: string) =>
  expect.stringMatching(new RegExp(`^${instance}\\s+${outcome}\\b`));

describe("a twin that survives the machine: resume, repair and recovery keep its data", () => {
  let environment: Environment;
  let user: DrillUser;

  beforeAll(async () => {
    environment = (await startEnvironment(config)).environment;
    user = await makeDrillUser(environment, "Drill User");
  });

  afterAll(async () => {
    await stopEnvironment(config);
  });

  /** After every fault: both names answer over TLS, the user made before it signs in, and their rows are there. */
  async function expectDataBack(back: Environment): Promise<void> {
    expect((await twinHttpsGet(back, back.urls.site)).status).toBe(200);
    expect((await twinHttpsGet(back, `${back.urls.api}/health`)).status).toBe(200);
    const signedIn = await signInAgain(back, user);
    expect(signedIn.status).toBe(200);
    expect(signedIn.missionIds).toContain(user.missionId);
  }

  it("repairs a killed emulator without touching the running parts; the Elastic IP and the JWT key as they were", async () => {
    const kept = ["database", "app", "proxy", "edge"];
    const startedAt = await Promise.all(
      kept.map((instance) => containerStartedAt(environment.containers[instance] ?? "")),
    );
    expect((await run("docker", ["kill", environment.containers.emulator])).code).toBe(0);

    const status = await cli(["status"], { HARNESS_ENV: NAME });
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/not running: emulator \(exited\); .*npm run env:up repairs it/);

    const result = await startEnvironment(config);
    expect(result.resumed).toEqual(
      expect.arrayContaining([
        line("emulator", "resumed"),
        ...kept.map((instance) => line(instance, "kept")),
      ]),
    );
    expect(result.resumed).toEqual(
      expect.arrayContaining([expect.stringMatching(/^stacks\s+deployed again; the Elastic IP/)]),
    );
    for (const [index, instance] of kept.entries())
      expect(await containerStartedAt(result.environment.containers[instance] ?? "")).toBe(startedAt[index]);
    // The Route 53 record still names the same Elastic IP, and a token signed before the fault still holds.
    expect(result.environment.hostsVia).toEqual(environment.hostsVia);
    await withApi(result.environment, async (api) => {
      expect((await api.call("GET", "/workspaces", { token: user.session.accessToken })).status).toBe(200);
    });
    await expectDataBack(result.environment);
    environment = result.environment;
  });

  it("repairs each other component killed alone, reading the stacks back from the running emulator", async () => {
    for (const dead of ["database", "app", "proxy", "edge"]) {
      expect((await run("docker", ["kill", environment.containers[dead] ?? ""])).code).toBe(0);
      const result = await startEnvironment(config);
      // nginx runs in the instance's network namespace: a restarted instance has a new one; so does the
      // egress guard of a restarted container, started again into it.
      const replaced = dead === "app" ? ["proxy"] : [];
      const guard = COMPONENT_NAMES.filter((instance) => instance === `${dead}-egress`);
      const kept = COMPONENT_NAMES.filter(
        (instance) => instance !== dead && !replaced.includes(instance) && !guard.includes(instance),
      );
      expect(result.resumed, `after killing ${dead}`).toEqual(
        expect.arrayContaining([
          line(dead, "resumed"),
          ...guard.map((instance) => line(instance, "resumed")),
          ...replaced.map((instance) => line(instance, "rebuilt")),
          ...kept.map((instance) => line(instance, "kept")),
          expect.stringMatching(/^stacks\s+still in the emulator: read back/),
        ]),
      );
      await expectDataBack(result.environment);
      environment = result.environment;
    }
  });

  it.skipIf(harnessStartedEngine(config) === undefined)(
    "resumes every component after the engine the harness started is restarted, on the database's kept data",
    async () => {
      const awayMs = await restartHarnessEngine(config);
      const states = await containerStates(NAME);
      expect(COMPONENT_NAMES.filter((instance) => states[instance] === "running")).toEqual([]);

      const result = await startEnvironment(config);
      expect(result.resumed).toEqual(
        expect.arrayContaining([
          ...["emulator", "database", "app", "edge"].map((instance) => line(instance, "resumed")),
          line("proxy", "rebuilt"),
        ]),
      );
      process.stdout.write(
        `[drill] engine away ${Math.round(awayMs)} ms; env:up resumed the twin in ${result.environment.timingsMs.total} ms\n`,
      );
      await withApi(result.environment, async (api) => {
        expect((await api.call("GET", "/workspaces", { token: user.session.accessToken })).status).toBe(200);
      });
      await expectDataBack(result.environment);
      environment = result.environment;
    },
  );

  it("env:down --keep-data keeps only the database's volume; an env:up killed at a random point, then env:up, resumes on it", async () => {
    const down = await cli(["down", "--keep-data"], { HARNESS_ENV: NAME });
    expect(down.code).toBe(0);
    expect(down.stderr).toContain(volumeNameOf(NAME, "database-data"));
    const left = await run("docker", [
      "volume",
      "ls",
      "-q",
      "--filter",
      `label=io.threadcast.harness.owner=env-${NAME}`,
    ]);
    expect(left.stdout.trim()).toBe(volumeNameOf(NAME, "database-data"));
    const status = await cli(["status"], { HARNESS_ENV: NAME });
    expect(status.code).toBe(3);
    expect(status.stderr).toMatch(/is down with its data kept .*npm run env:up resumes it/);

    const killed = await upKilledAtRandom({ HARNESS_ENV: NAME });
    const result = await startEnvironment(config);
    expect(result.resumed, `after a kill at: ${killed.lastLine}`).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^data\s+the database's master user and data were kept/),
      ]),
    );
    await expectDataBack(result.environment);
  });

  it("starts afresh after a first env:up killed at a random point, and touches no other environment", async () => {
    const other = `rsk-${suffix}`;
    const killed = await upKilledAtRandom({ HARNESS_ENV: other });
    const up = await cli(["up"], { HARNESS_ENV: other });
    try {
      expect(up.code, `after a kill at: ${killed.lastLine}\n${up.stderr.slice(-2000)}`).toBe(0);
      expect(up.stderr).toMatch(
        /\[recover\] environment "rsk-[^"]+" has .* removing them and starting afresh/,
      );
      expect(await containerStates(NAME)).toEqual(
        Object.fromEntries(COMPONENT_NAMES.map((instance) => [instance, "running"])),
      );
    } finally {
      expect((await cli(["down"], { HARNESS_ENV: other })).code).toBe(0);
    }
    expect(await leftovers(other)).toEqual([]);
  });
});
