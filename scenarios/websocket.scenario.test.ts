import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import { Api } from "../harness/client/api.ts";
import { instanceServiceUnit } from "../harness/drills/instance-service-unit.ts";
import { killAppProcess } from "../harness/drills/kill-app-process.ts";
import { proxyReadTimeoutSeconds } from "../harness/drills/proxy-read-timeout-seconds.ts";
import { StompSession } from "../harness/client/stomp-session.ts";
import { apiReadOnlyChecks } from "./checks/api-readonly.ts";
import { targetAgent, twinTarget } from "../harness/client/target.ts";

/** STOMP over wss://api.threadcast.io/ws through the instance's nginx, as the web app uses it. */
describe("WebSocket flow (and the API's read-only checks): STOMP over wss://api.threadcast.io/ws", () => {
  const environment = inject("twin");
  const target = twinTarget(environment);
  const agent = targetAgent(target);
  const api = new Api(target, agent);
  const unit = instanceServiceUnit();
  const sessions: StompSession[] = [];
  const stomp = (token: string, options?: ConstructorParameters<typeof StompSession>[2]) => {
    const session = new StompSession(target, token, options);
    sessions.push(session);
    return session;
  };

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((session) => session.close()));
  });
  afterAll(() => agent.close());

  apiReadOnlyChecks(() => target);

  it("delivers MISSION_CREATED on the workspace topic within 2 s, with the contract's shape", async () => {
    const user = await api.register();
    const workspace = await api.firstWorkspace(user);
    const session = stomp(user.accessToken);
    await session.connect();
    session.subscribe(`/topic/workspaces/${workspace.id}`);
    session.subscribe(`/topic/timeline/${workspace.id}`);
    const sent = Date.now();
    const mission = await api.createMission(user, workspace.id);
    const created = await session.event(
      `/topic/workspaces/${workspace.id}`,
      (event) => event.eventType === "MISSION_CREATED" && event.payload.id === mission.id,
      2_000,
    );
    expect(created.receivedAt - sent).toBeLessThan(2_000);
    expect(created).toMatchObject({
      eventId: expect.any(String),
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      payload: { id: mission.id, title: mission.title, status: "BACKLOG", workspaceId: workspace.id },
    });
    await session.event(
      `/topic/timeline/${workspace.id}`,
      (event) => event.eventType === "TIMELINE_EVENT",
      2_000,
    );
  });

  it("delivers a status change on both the workspace and the mission topic", async () => {
    const user = await api.register();
    const workspace = await api.firstWorkspace(user);
    const mission = await api.createMission(user, workspace.id);
    const session = stomp(user.accessToken);
    await session.connect();
    session.subscribe(`/topic/workspaces/${workspace.id}`);
    session.subscribe(`/topic/missions/${mission.id}`);
    const patched = await api.call("PATCH", `/missions/${mission.id}/status`, {
      token: user.accessToken,
      body: { status: "WOVEN" },
    });
    expect(patched.status).toBe(200);
    for (const topic of [`/topic/workspaces/${workspace.id}`, `/topic/missions/${mission.id}`]) {
      const event = await session.event(topic, (e) => e.eventType === "MISSION_STATUS_CHANGED", 2_000);
      expect(event.payload).toMatchObject({
        missionId: mission.id,
        previousStatus: "BACKLOG",
        newStatus: "WOVEN",
        progress: expect.any(Number),
      });
    }
  });

  it("does not let another user listen to a workspace's topic", async () => {
    const owner = await api.register("Owner");
    const stranger = await api.register("Stranger");
    const workspace = await api.firstWorkspace(owner);
    const session = stomp(stranger.accessToken);
    await session.connect();
    session.subscribe(`/topic/workspaces/${workspace.id}`);
    const mission = await api.createMission(owner, workspace.id);
    // The server answers the SUBSCRIBE with an ERROR frame (or the event never arrives).
    await expect(
      session.event(`/topic/workspaces/${workspace.id}`, (event) => event.payload.id === mission.id, 2_000),
    ).rejects.toThrow(/timed out/);
  });

  it(
    "keeps an idle connection open past the proxy's read timeout, with heartbeats",
    async () => {
      const idleSeconds = proxyReadTimeoutSeconds() + 5;
      const user = await api.register();
      const workspace = await api.firstWorkspace(user);
      const session = stomp(user.accessToken);
      await session.connect();
      session.subscribe(`/topic/workspaces/${workspace.id}`);
      // Idle on purpose: nothing but heartbeats crosses the proxy for longer than its read timeout.
      await sleep(idleSeconds * 1_000);
      expect(session.closes).toBe(0);
      expect(session.connected).toBe(true);
      const mission = await api.createMission(user, workspace.id);
      await session.event(
        `/topic/workspaces/${workspace.id}`,
        (event) => event.payload.id === mission.id,
        2_000,
      );
    },
    (proxyReadTimeoutSeconds() + 30) * 1_000,
  );

  it("reconnects after the app restarts (the unit's Restart=always) and receives events again", async () => {
    const user = await api.register();
    const workspace = await api.firstWorkspace(user);
    const session = stomp(user.accessToken, { reconnectDelayMs: 1_000 });
    await session.connect();
    session.subscribe(`/topic/workspaces/${workspace.id}`);
    // The JVM dies (SIGKILL, as a crash); the supervisor restarts it after RestartSec, as systemd would.
    await killAppProcess(environment, unit.execStart[0] ?? "/usr/bin/java");
    await session.until("the connection to drop", () => (session.closes > 0 ? true : undefined), 15_000);
    await session.until("the client to reconnect", () => (session.connects > 1 ? true : undefined), 60_000);
    const mission = await api.createMission(user, workspace.id);
    await session.event(
      `/topic/workspaces/${workspace.id}`,
      (event) => event.payload.id === mission.id,
      2_000,
    );
  }, 120_000);
});
