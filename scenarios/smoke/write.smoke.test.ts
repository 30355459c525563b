import { randomUUID } from "node:crypto";
import { describe, expect } from "vitest";
import type { Session } from "../../harness/client/api.ts";
import { StompSession } from "../../harness/client/stomp-session.ts";
import { smokeSettings } from "./target.ts";
import { test } from "./smoke-test.ts";

/**
 * Writes, only with --write and a test account (SMOKE_EMAIL, SMOKE_PASSWORD): log in, create a mission
 * in the account's first workspace, see MISSION_CREATED over the WebSocket, delete it again.
 */
describe(`smoke (writes, as the test account): ${smokeSettings().target.urls.api}`, () => {
  test("logs in, creates a mission, receives MISSION_CREATED over STOMP, deletes it", async ({
    api,
    target,
  }) => {
    const email = process.env.SMOKE_EMAIL ?? "";
    const password = process.env.SMOKE_PASSWORD ?? "";
    const login = await api.call<Omit<Session, "email" | "password">>("POST", "/auth/login", {
      body: { email, password },
    });
    expect(login.status).toBe(200);
    const session: Session = { email, password, ...login.json.data };
    const workspace = await api.firstWorkspace(session);
    const stomp = new StompSession(target, session.accessToken);
    try {
      await stomp.connect();
      stomp.subscribe(`/topic/workspaces/${workspace.id}`);
      const mission = await api.createMission(session, workspace.id, `smoke ${randomUUID()}`);
      await stomp.event(
        `/topic/workspaces/${workspace.id}`,
        (event) => event.eventType === "MISSION_CREATED" && event.payload.id === mission.id,
        2_000,
      );
      const deleted = await api.call("DELETE", `/missions/${mission.id}`, { token: session.accessToken });
      expect([200, 204]).toContain(deleted.status);
    } finally {
      await stomp.close();
    }
  });
});
