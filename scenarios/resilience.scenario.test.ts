import { describe, expect } from "vitest";
import { apiHealth, healthyWithin } from "../harness/client/api-health.ts";
import { containerLogs } from "../harness/drills/container-logs.ts";
import { containerStartedAt } from "../harness/drills/container-started-at.ts";
import { delayAppToDatabase } from "../harness/drills/delay-app-to-database.ts";
import { instanceServiceUnit } from "../harness/drills/instance-service-unit.ts";
import { killAppProcess } from "../harness/drills/kill-app-process.ts";
import { rebootDatabase } from "../harness/drills/reboot-database.ts";
import { test } from "./support/scenario-test.ts";

/** Failures the production architecture must ride out, injected into the running twin. */
describe("resilience", () => {
  const unit = instanceServiceUnit();

  test("recovers from a database reboot within 15 s without restarting the app, losing no acknowledged write", async ({
    twin,
    target,
    agent,
    api,
  }) => {
    const appStartedAt = () => containerStartedAt(twin.containers.app);
    const user = await api.register();
    const workspace = await api.firstWorkspace(user);
    const acknowledged = [];
    for (let i = 0; i < 3; i += 1) acknowledged.push((await api.createMission(user, workspace.id)).id);
    const appBefore = await appStartedAt();

    // Writes keep coming while the database reboots; every one answered 201 must survive.
    let writing = true;
    const writer = (async () => {
      while (writing) {
        const answer = await api
          .call<{ id: string }>("POST", "/missions", {
            token: user.accessToken,
            body: { workspaceId: workspace.id, title: `during reboot ${Date.now()}`, priority: "LOW" },
          })
          .catch(() => undefined);
        if (answer?.status === 201) acknowledged.push(answer.json.data.id);
      }
    })();
    const rebootAt = Date.now();
    // An RDS reboot: the container restarts, and its security group still applies afterwards.
    await rebootDatabase(twin);
    await healthyWithin(agent, target, 15_000 - (Date.now() - rebootAt));
    writing = false;
    await writer;

    expect(await appStartedAt()).toBe(appBefore);
    const stored = new Set(await api.missionIds(user, workspace.id));
    expect(acknowledged.length).toBeGreaterThan(3);
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
  }, 60_000);

  test("restarts the app as the unit says (Restart=always, RestartSec) when its process dies", async ({
    twin,
    target,
    agent,
  }) => {
    expect(await apiHealth(agent, target)).toBe(200);
    const killedAt = Date.now();
    await killAppProcess(twin, unit.execStart[0] ?? "/usr/bin/java");
    await healthyWithin(agent, target, unit.restartSec * 1_000 + 60_000);
    // Not sooner than the unit's pause: the supervisor waited RestartSec before starting the JVM again.
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(unit.restartSec * 1_000);
    const logs = await containerLogs(twin.containers.app, { since: "2m" });
    expect(logs.stdout + logs.stderr).toContain(
      `threadcast.service: scheduled restart in ${unit.restartSec}s (Restart=${unit.restart}, RestartSec=${unit.restartSec})`,
    );
  }, 120_000);

  test("slows down but succeeds with 200 ms of latency between the app and the database", async ({
    twin,
    api,
  }) => {
    const user = await api.register();
    const workspace = await api.firstWorkspace(user);
    const timed = async () => {
      const started = performance.now();
      const answer = await api.call("GET", `/missions?workspaceId=${workspace.id}`, {
        token: user.accessToken,
      });
      return { status: answer.status, ms: performance.now() - started };
    };
    // Adding or removing the fault ends the pool's sessions; a request may fail while the pool reconnects.
    // The claims are about the steady state: three requests in a row succeed, then measure.
    const settle = async () => {
      let streak = 0;
      const settleBy = Date.now() + 30_000;
      while (streak < 3) {
        if (Date.now() > settleBy) throw new Error("the API did not settle within 30 s");
        streak = (await timed()).status === 200 ? streak + 1 : 0;
      }
    };
    const removeDelay = await delayAppToDatabase(twin, 200);
    try {
      await settle();
      const slow = await timed();
      const created = await api.createMission(user, workspace.id);
      expect(slow.status).toBe(200);
      expect(created.status).toBe("BACKLOG");
      // The fault took effect: a request that queries the database takes at least one delayed round trip.
      expect(slow.ms).toBeGreaterThanOrEqual(200);
    } finally {
      await removeDelay();
    }
    await settle();
    expect((await timed()).status).toBe(200);
  }, 60_000);
});
