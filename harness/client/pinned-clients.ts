import type { Dispatcher } from "undici";
import { request } from "undici";
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
