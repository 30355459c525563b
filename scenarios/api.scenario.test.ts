import { randomUUID } from "node:crypto";
import { describe, expect } from "vitest";
import { test } from "./support/scenario-test.ts";
import { whereStored } from "./support/where-stored.ts";

/** Route 53 -> Elastic IP -> nginx -> Spring Boot -> PostgreSQL, through https://api.threadcast.io/api. */
describe("API flow: https://api.threadcast.io/api", () => {
  const expectError = (answer: { status: number; json: unknown }, status: number, code: string | RegExp) => {
    expect(answer.status).toBe(status);
    expect(answer.json).toMatchObject({ success: false, error: { code: expect.stringMatching(code) } });
    expect(typeof (answer.json as { timestamp?: unknown }).timestamp).toBe("string");
  };

  describe("auth", () => {
    test("registers a user: 201 with tokens, expiresIn 86400 and the user", async ({ api }) => {
      const email = `scenario-${randomUUID()}@threadcast.test`;
      const answer = await api.call("POST", "/auth/register", {
        body: { email, password: "secret-1", name: "Reg Ister" },
      });
      expect(answer.status).toBe(201);
      expect(answer.json).toMatchObject({
        success: true,
        data: {
          accessToken: expect.any(String),
          refreshToken: expect.any(String),
          expiresIn: 86400,
          user: { id: expect.stringMatching(/^[0-9a-f-]{36}$/), email, name: "Reg Ister", autonomyLevel: 3 },
        },
      });
    });

    test("logs in, refreshes, and answers /auth/me with the same user", async ({ api }) => {
      const session = await api.register();
      const login = await api.call<{ accessToken: string }>("POST", "/auth/login", {
        body: { email: session.email, password: session.password },
      });
      expect(login.status).toBe(200);
      const refreshed = await api.call<{ accessToken: string; expiresIn: number }>("POST", "/auth/refresh", {
        body: { refreshToken: session.refreshToken },
      });
      expect(refreshed.status).toBe(200);
      expect(refreshed.json.data.expiresIn).toBe(86400);
      for (const token of [login.json.data.accessToken, refreshed.json.data.accessToken]) {
        const me = await api.call("GET", "/auth/me", { token });
        expect(me.status).toBe(200);
        expect(me.json.data).toMatchObject({ id: session.user.id, email: session.email });
      }
    });

    test("refuses a wrong password with 401 UNAUTHORIZED", async ({ api }) => {
      const session = await api.register();
      const answer = await api.call("POST", "/auth/login", {
        body: { email: session.email, password: "wrong-pw" },
      });
      expectError(answer, 401, "UNAUTHORIZED");
    });

    test("does not take a refresh token as a Bearer token", async ({ api }) => {
      const session = await api.register();
      expectError(await api.call("GET", "/auth/me", { token: session.refreshToken }), 401, "UNAUTHORIZED");
    });

    test("refuses the same email twice (409 DATA_CONFLICT, or 400) and a bad email (400 VALIDATION_ERROR)", async ({
      api,
    }) => {
      const session = await api.register();
      const again = await api.call("POST", "/auth/register", {
        body: { email: session.email, password: "secret-2", name: "Again" },
      });
      // The contract lets an implementation answer 409 DATA_CONFLICT or 400 here (the reference: 409).
      expect([409, 400]).toContain(again.status);
      expectError(
        again,
        again.status,
        again.status === 409 ? "DATA_CONFLICT" : /BAD_REQUEST|VALIDATION_ERROR/,
      );
      const bad = await api.call("POST", "/auth/register", {
        body: { email: "not-an-email", password: "secret-1", name: "Bad" },
      });
      expectError(bad, 400, "VALIDATION_ERROR");
    });
  });

  describe("resources", () => {
    test("answers 401 without a token on every resource route", async ({ api }) => {
      for (const [method, path] of [
        ["GET", "/workspaces"],
        ["POST", "/workspaces"],
        ["GET", "/missions?workspaceId=00000000-0000-0000-0000-000000000000"],
        ["POST", "/missions"],
        ["GET", "/todos?missionId=00000000-0000-0000-0000-000000000000"],
      ] as const) {
        expectError(
          await api.call(method, path, { body: method === "POST" ? {} : undefined }),
          401,
          "UNAUTHORIZED",
        );
      }
    });

    test("gives a new user 'My Workspace', creates another, and lists both", async ({ api }) => {
      const session = await api.register();
      const created = await api.call<{ id: string; name: string }>("POST", "/workspaces", {
        token: session.accessToken,
        body: { name: "Launch", description: "scenario workspace" },
      });
      expect(created.status).toBe(201);
      const listed = await api.call<{ id: string; name: string }[]>("GET", "/workspaces", {
        token: session.accessToken,
      });
      expect(listed.status).toBe(200);
      expect(listed.json.data.map((workspace) => workspace.name).sort()).toEqual(["Launch", "My Workspace"]);
      const one = await api.call("GET", `/workspaces/${created.json.data.id}`, {
        token: session.accessToken,
      });
      expect(one.json.data).toMatchObject({ id: created.json.data.id, name: "Launch" });
    });

    test("refuses another user's workspace (403 or 404), and its missions", async ({ api }) => {
      const owner = await api.register("Owner");
      const stranger = await api.register("Stranger");
      const workspace = await api.firstWorkspace(owner);
      const answer = await api.call("GET", `/workspaces/${workspace.id}`, { token: stranger.accessToken });
      expect([403, 404]).toContain(answer.status);
      expect(answer.json).toMatchObject({ success: false });
      const missions = await api.call("GET", `/missions?workspaceId=${workspace.id}`, {
        token: stranger.accessToken,
      });
      expect([403, 404]).toContain(missions.status);
    });

    test("creates a mission in BACKLOG at 0%, and stores it in PostgreSQL", async ({ api, twin }) => {
      const session = await api.register();
      const workspace = await api.firstWorkspace(session);
      const title = `Stored ${randomUUID()}`;
      const mission = await api.createMission(session, workspace.id, title);
      expect(mission).toMatchObject({ title, status: "BACKLOG", progress: 0 });
      const fetched = await api.call("GET", `/missions/${mission.id}`, { token: session.accessToken });
      expect(fetched.json.data).toMatchObject({ id: mission.id, title });
      // The rows are really in the database, whatever the schema calls them.
      expect((await whereStored(twin, title)).length).toBeGreaterThan(0);
      expect((await whereStored(twin, session.email)).length).toBeGreaterThan(0);
    });

    test("pages and filters missions", async ({ api }) => {
      const session = await api.register();
      const workspace = await api.firstWorkspace(session);
      const made = [];
      for (let i = 0; i < 3; i += 1) made.push(await api.createMission(session, workspace.id));
      const changed = await api.call("PATCH", `/missions/${made[0]?.id}/status`, {
        token: session.accessToken,
        body: { status: "THREADING" },
      });
      expect(changed.status).toBe(200);
      type Page = { content: { id: string }[]; totalElements: number; totalPages: number; number: number };
      const page = (query: string) =>
        api.call<Page>("GET", `/missions?workspaceId=${workspace.id}${query}`, {
          token: session.accessToken,
        });
      const first = await page("&page=0&size=2");
      const second = await page("&page=1&size=2");
      expect(first.json.data).toMatchObject({ totalElements: 3, totalPages: 2, number: 0 });
      expect(first.json.data.content).toHaveLength(2);
      expect(second.json.data.content).toHaveLength(1);
      const ids = [...first.json.data.content, ...second.json.data.content].map((mission) => mission.id);
      expect(ids.sort()).toEqual(made.map((mission) => mission.id).sort());
      const threading = await page("&status=THREADING");
      expect(threading.json.data.content.map((mission) => mission.id)).toEqual([made[0]?.id]);
    });

    test("answers bad requests with the error envelope", async ({ api }) => {
      const session = await api.register();
      const workspace = await api.firstWorkspace(session);
      const token = session.accessToken;
      expectError(await api.call("GET", "/missions", { token }), 400, "MISSING_PARAMETER");
      expectError(
        await api.call("POST", "/missions", {
          token,
          body: { workspaceId: workspace.id, title: "x".repeat(301), priority: "HIGH" },
        }),
        400,
        "VALIDATION_ERROR",
      );
      expectError(
        await api.call("POST", "/missions", { token, body: "{not json" }),
        400,
        /BAD_REQUEST|VALIDATION_ERROR/,
      );
      expectError(await api.call("GET", "/no-such-route", { token }), 404, "NOT_FOUND");
    });
  });
});
