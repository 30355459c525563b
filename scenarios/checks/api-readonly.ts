import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import { StompSession } from "../../harness/client/stomp-session.ts";
import { connectOptions, targetAgent, type Target } from "../../harness/client/target.ts";
import { send } from "../../harness/client/send.ts";

/**
 * The API's and the WebSocket's checks that change nothing: health, the 401 and 404 envelopes, CORS for
 * the site's origins and not for others, a foreign origin's WebSocket handshake and a bad STOMP token
 * refused. Safe against production.
 */
export function apiReadOnlyChecks(target: () => Target): void {
  let agent: ReturnType<typeof targetAgent>;
  const api = (path: string) => `${target().urls.api}${path}`;
  const siteOrigins = () => [
    ...new Set([target().urls.site, target().urls.www].map((url) => new URL(url).origin)),
  ];

  beforeAll(() => {
    agent = targetAgent(target());
  });
  afterAll(() => agent?.close());

  it("answers the health check with 200 UP", async () => {
    const answer = await send(agent, api("/health"));
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ status: "UP" });
  });

  it("answers a resource without a token with 401 and the error envelope", async () => {
    const answer = await send(agent, api("/workspaces"));
    expect(answer.status).toBe(401);
    expect(answer.json).toMatchObject({ success: false, error: { code: "UNAUTHORIZED" } });
  });

  it("answers an unknown route with 404 NOT_FOUND, not 500", async () => {
    const answer = await send(agent, api("/no-such-route"));
    expect(answer.status).toBe(404);
    expect(answer.json).toMatchObject({ success: false, error: { code: "NOT_FOUND" } });
  });

  const preflight = (origin: string) =>
    send(agent, api("/missions"), {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type",
      },
    });

  it("allows a CORS preflight from each of the site's origins", async () => {
    for (const origin of siteOrigins()) {
      const answer = await preflight(origin);
      expect(answer.status).toBe(200);
      expect(answer.headers["access-control-allow-origin"]).toBe(origin);
      expect(answer.headers["access-control-allow-credentials"]).toBe("true");
      expect(String(answer.headers["access-control-allow-methods"])).toMatch(/POST/);
    }
  });

  it("refuses a CORS preflight from another origin", async () => {
    const answer = await preflight("https://evil.example");
    expect(answer.status).toBe(403);
    expect(answer.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("refuses the WebSocket handshake from another origin with 403, and accepts the site's", async () => {
    const handshake = (origin: string) =>
      new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(target().urls.ws, ["v12.stomp"], {
          ...connectOptions(target()),
          origin,
          handshakeTimeout: 10_000,
        });
        socket.on("unexpected-response", (_request, response) => {
          resolve(response.statusCode ?? 0);
          socket.terminate();
        });
        socket.on("open", () => {
          resolve(101);
          socket.close();
        });
        socket.on("error", reject);
      });
    expect(await handshake("https://evil.example")).toBe(403);
    expect(await handshake(siteOrigins()[0] as string)).toBe(101);
  });

  it("refuses STOMP CONNECT with a bad token", async () => {
    const session = new StompSession(target(), "not-a-jwt");
    try {
      await expect(session.connect()).rejects.toThrow(/STOMP ERROR|closed before CONNECTED/);
      // Refused by STOMP after a WebSocket was open, not merely unreachable.
      expect(session.opens).toBe(1);
      expect(session.connects).toBe(0);
    } finally {
      await session.close();
    }
  });
}
