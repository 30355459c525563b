import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { BOOTSTRAP_SUPERUSER } from "../components/database-master-user.ts";
import { STANDBY } from "../components/database-standby.ts";
import { loadConfig, type HarnessConfig } from "../config.ts";
import { replicationState } from "../containers/database-replication.ts";
import { targetHealth } from "../containers/load-balancer-targets.ts";
import { addressOn } from "../drills/address-on.ts";
import { makeDrillUser, signInAgain, withApi, type DrillUser } from "../drills/drill-user.ts";
import { restartHarnessEngine } from "../drills/restart-engine.ts";
import { stompFromInstance } from "../drills/stomp-from-instance.ts";
import { harnessStartedEngine } from "../engine/docker-engine.ts";
import { run } from "../support/run.ts";
import { cli } from "../testing/env-cli.ts";
import { controllerPid, stopController } from "./controller-process.ts";
import { inRecovery } from "./database-failover.ts";
import { startEnvironment, stopEnvironment, type Environment } from "./environment.ts";
import { volumeNameOf } from "./identity.ts";

const suffix = inject("runOwner").replace(/^test-/, "");
const NAME = `rs2-${suffix}`;
// The group's clock ten times AWS's, as phase 2's scenarios run it.
const config: HarnessConfig = { ...loadConfig(), envName: NAME, phase: 2, timeScale: 10 };
const line = (instance: string, outcome: string) =>
  expect.stringMatching(new RegExp(`^${instance}\\s+${outcome}\\b`));

/** A persistent message on a queue of the broker, sent from an instance; resolves once the broker has it stored. */
async function storeMessage(environment: Environment, queue: string, body: string): Promise<void> {
  const frames = await stompFromInstance(
    environment,
    "app-1",
    [`SEND\ndestination:${queue}\npersistent:true\nreceipt:stored\n\n${body}\0`],
    "RECEIPT",
  );
  expect(frames.at(-1)).toMatch(/^RECEIPT\nreceipt-id:stored/);
}

/** The body of the next message on the queue, taken off it. */
async function takeMessage(environment: Environment, queue: string): Promise<string | undefined> {
  const frames = await stompFromInstance(
    environment,
    "app-1",
    [`SUBSCRIBE\nid:0\ndestination:${queue}\nack:auto\n\n\0`],
    "MESSAGE",
  );
  return frames.find((frame) => frame.startsWith("MESSAGE"))?.split("\n\n")[1];
}

describe("phase 2 survives the machine: each component repaired, the engine restarted, the data kept", () => {
  let environment: Environment;
  let user: DrillUser;
  const queue = `/queue/drill-${randomBytes(4).toString("hex")}`;

  beforeAll(async () => {
    environment = (await startEnvironment(config)).environment;
    user = await makeDrillUser(environment, "Phase 2 Drill User");
  });

  afterAll(async () => {
    await stopEnvironment(config);
  });

  /** Through the load balancer: the user made before signs in, their mission is there, and a write is taken. */
  async function expectDataBack(back: Environment): Promise<void> {
    const signedIn = await signInAgain(back, user);
    expect(signedIn.status).toBe(200);
    expect(signedIn.missionIds).toContain(user.missionId);
    const session = signedIn.session ?? user.session;
    await withApi(back, async (api) => {
      expect((await api.createMission(session, user.workspaceId)).id).toEqual(expect.any(String));
    });
  }

  /** Every instance of the group is registered and healthy in the load balancer, and nothing else is. */
  async function expectTargetsAreTheGroup(back: Environment): Promise<void> {
    const members = Object.keys(back.containers).filter((instance) => /^app-\d+$/.test(instance));
    const addresses = await Promise.all(
      members.map((member) => addressOn(back.containers[member] ?? "", back.networks.public)),
    );
    const balancer = back.topology.loadBalancer;
    if (!balancer) throw new Error("the phase-2 twin has no load balancer");
    const targets = await targetHealth(back.containers.alb ?? "", balancer);
    expect(targets.map((target) => `${target.address} ${target.state}`).sort()).toEqual(
      addresses.map((address) => `${address} healthy`).sort(),
    );
  }

  it("repairs the load balancer, the broker, the standby and an instance killed alone, keeping the rest running", async () => {
    for (const dead of ["alb", "broker", STANDBY, "app-1"]) {
      // The group's controller would replace a dead instance itself: env:up's repair is what is drilled.
      if (dead === "app-1") await stopController(environment.dir);
      expect((await run("docker", ["kill", environment.containers[dead] ?? ""])).code).toBe(0);
      const result = await startEnvironment(config);
      const others = Object.keys(environment.containers).filter(
        (instance) => instance !== dead && instance !== `${dead}-egress`,
      );
      expect(result.resumed, `after killing ${dead}`).toEqual(
        expect.arrayContaining([
          line(dead, "resumed"),
          ...others.map((instance) => line(instance, "kept")),
          expect.stringMatching(/^stacks\s+still in the emulator: read back/),
        ]),
      );
      await expectTargetsAreTheGroup(result.environment);
      await expectDataBack(result.environment);
      expect(controllerPid(result.environment.dir)).toEqual(expect.any(Number));
      environment = result.environment;
    }
  });

  it.skipIf(harnessStartedEngine(config) === undefined)(
    "after a failover and an engine restart, resumes every component with the roles the failover left: the standby catches up, the broker keeps its messages",
    async () => {
      const body = `kept-${randomBytes(6).toString("hex")}`;
      await storeMessage(environment, queue, body);
      const failed = await cli(["failover", "database"], { HARNESS_ENV: NAME });
      expect(failed.code, failed.stderr).toBe(0);
      expect(await inRecovery(environment.containers.database ?? "")).toBe(true);

      const awayMs = await restartHarnessEngine(config);
      const result = await startEnvironment(config);
      const back = result.environment;
      // The emulator keeps no state across its own restart: the stacks are deployed again and the group's
      // EC2 instances with them, so each instance is launched anew, as Auto Scaling replaces a lost one.
      const group = Object.keys(back.containers).filter((instance) => /^app-\d+$/.test(instance));
      expect(group).toHaveLength(2);
      expect(result.resumed).toEqual(
        expect.arrayContaining([
          ...["alb", "broker", "database", STANDBY].map((instance) => line(instance, "resumed")),
          ...group.map((instance) => line(instance, "rebuilt \\(the EC2 instance it played is gone")),
        ]),
      );
      process.stdout.write(
        `[drill] phase 2: engine away ${Math.round(awayMs)} ms; env:up resumed the twin in ${back.timingsMs.total} ms\n`,
      );
      // database-2 stays the primary (the endpoint's name leads to it); database streams from it again
      // from where it was, without copying it anew.
      expect(await inRecovery(back.containers.database ?? "")).toBe(true);
      expect(await inRecovery(back.containers[STANDBY] ?? "")).toBe(false);
      expect(await replicationState(back.containers[STANDBY] ?? "", BOOTSTRAP_SUPERUSER)).toEqual([
        { name: expect.any(String), state: "streaming", sync: "sync" },
      ]);
      const startedAt = await run("docker", [
        "inspect",
        "--format",
        "{{.State.StartedAt}}",
        back.containers.database ?? "",
      ]);
      const standbyLog = await run("docker", [
        "logs",
        "--since",
        startedAt.stdout.trim(),
        back.containers.database ?? "",
      ]);
      expect(standbyLog.stdout + standbyLog.stderr).not.toContain("copying the primary");
      await expectTargetsAreTheGroup(back);
      await expectDataBack(back);
      expect(await takeMessage(back, queue)).toBe(body);
      expect(controllerPid(back.dir)).toEqual(expect.any(Number));
      environment = back;
    },
  );

  it("env:down --keep-data keeps both nodes' and the broker's volumes; env:up brings the pair back with the same primary, and the broker's messages", async () => {
    const body = `kept-${randomBytes(6).toString("hex")}`;
    await storeMessage(environment, queue, body);
    const primaryBefore = (await inRecovery(environment.containers.database ?? "")) ? STANDBY : "database";
    const down = await cli(["down", "--keep-data"], { HARNESS_ENV: NAME });
    expect(down.code, down.stderr).toBe(0);
    const left = await run("docker", [
      "volume",
      "ls",
      "-q",
      "--filter",
      `label=io.threadcast.harness.owner=env-${NAME}`,
    ]);
    expect(left.stdout.trim().split("\n").sort()).toEqual(
      ["broker-data", "database-data", `${STANDBY}-data`].map((volume) => volumeNameOf(NAME, volume)).sort(),
    );

    const result = await startEnvironment(config);
    const back = result.environment;
    expect(result.resumed).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^data\s+the database's master user and data were kept/),
      ]),
    );
    const standby = primaryBefore === "database" ? STANDBY : "database";
    expect(await inRecovery(back.containers[primaryBefore] ?? "")).toBe(false);
    expect(await inRecovery(back.containers[standby] ?? "")).toBe(true);
    await expectDataBack(back);
    expect(await takeMessage(back, queue)).toBe(body);
    environment = back;
  });
});
