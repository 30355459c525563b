import { randomUUID } from "node:crypto";
import type { Dispatcher } from "undici";
import { request } from "undici";
import type { Api, Session } from "./api.ts";
import { STICKINESS_COOKIE, stickinessCookieValue } from "./stickiness-cookie.ts";
import { StompSession } from "./stomp-session.ts";
import type { Target } from "./target.ts";

/** The load balancer's stickiness cookie (an ALB's AWSALB), as a request header that pins to one instance. */
export type Pin = { readonly cookie: string };

/**
 * One pin per instance behind the load balancer: new clients are spread over the instances, and each
 * gets the cookie of the one it reached. Asks until `count` distinct cookies came back (or fails).
 */
export async function pinsToEveryInstance(
  target: Target,
  dispatcher: Dispatcher,
  count: number,
): Promise<Pin[]> {
  const cookies = new Set<string>();
  for (let attempt = 0; attempt < count * 10 && cookies.size < count; attempt += 1) {
    const answer = await request(`${target.urls.api}/health`, { dispatcher });
    await answer.body.dump();
    const value = stickinessCookieValue(answer.headers["set-cookie"]);
    if (value) cookies.add(value);
  }
  if (cookies.size < count)
    throw new Error(`the load balancer pinned new clients to ${cookies.size} instances, not ${count}`);
  return [...cookies].map((value) => ({ cookie: `${STICKINESS_COOKIE}=${value}` }));
}

/** A STOMP session over a WebSocket the load balancer sends to the pinned instance. */
export function pinnedStomp(target: Target, token: string, pin: Pin): StompSession {
  return new StompSession(target, token, { headers: pin });
}

/**
 * Waits until `subscriber`'s subscription to its workspace's topic is live on its own instance: missions
 * are made through that instance until one reaches it (a SUBSCRIBE has no reply to wait for). Resolves
 * with the missions made meanwhile.
 */
export async function untilSubscribed(
  api: Api,
  session: Session,
  workspaceId: string,
  subscriber: { readonly stomp: StompSession; readonly pin: Pin },
  timeoutMs = 20_000,
): Promise<string[]> {
  const topic = `/topic/workspaces/${workspaceId}`;
  const made: string[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const mission = await api.createMission(session, workspaceId, `probe ${randomUUID()}`, subscriber.pin);
    made.push(mission.id);
    const heard = await subscriber.stomp
      .event(topic, (event) => made.includes(String(event.payload.id)), 1_000)
      .catch(() => undefined);
    if (heard) return made;
  }
  throw new Error(
    `no event on ${topic} reached the subscriber within ${timeoutMs} ms of missions made through its instance`,
  );
}
