import { describe, expect } from "vitest";
import type { Session } from "../../harness/client/api.ts";
import { StompSession } from "../../harness/client/stomp-session.ts";
import { untilSubscribed } from "../../harness/client/until-subscribed.ts";
import { smokeSettings } from "./target.ts";
import { test } from "./smoke-test.ts";

/** Missions made (and deleted again) until one's event shows the subscription live. */
const SUBSCRIBE_ATTEMPTS = 3;

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
    const topic = `/topic/workspaces/${workspace.id}`;
    const made: string[] = [];
    try {
      await stomp.connect();
      stomp.subscribe(topic);
      // A SUBSCRIBE has no reply: probe missions (each deleted again) until one's event is heard.
      const heard = await untilSubscribed(api, session, workspace.id, stomp, {
        attempts: SUBSCRIBE_ATTEMPTS,
        waitMs: 2_000,
        made,
      });
      expect(made).toContain(heard);
    } finally {
      await stomp.close();
      for (const id of made) {
        const deleted = await api.call("DELETE", `/missions/${id}`, { token: session.accessToken });
        expect([200, 204]).toContain(deleted.status);
      }
    }
  });
});
