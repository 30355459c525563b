import { randomUUID } from "node:crypto";
import type { Api, Session } from "./api.ts";
import type { StompSession } from "./stomp-session.ts";

export interface SubscribedProbe {
  /** How many probe missions to make at most, and how long to wait for each one's event. */
  readonly attempts: number;
  readonly waitMs: number;
  /** Extra request headers for the probes (a stickiness cookie, to make them through one instance). */
  readonly headers?: Record<string, string>;
  /** Every probe mission's id is pushed here as it is made, so the caller can delete them (even after a failure). */
  readonly made: string[];
}

/**
 * Resolves once the STOMP session's subscription to the workspace's topic is live: a SUBSCRIBE has no
 * reply, so probe missions are made in the workspace until one's MISSION_CREATED reaches the session.
 * Resolves with that mission's id; fails once every attempt went unheard.
 */
export async function untilSubscribed(
  api: Api,
  session: Session,
  workspaceId: string,
  stomp: StompSession,
  probe: SubscribedProbe,
): Promise<string> {
  const topic = `/topic/workspaces/${workspaceId}`;
  // A late event of an earlier probe shows the subscription live as well.
  const probes: string[] = [];
  for (let attempt = 1; attempt <= probe.attempts; attempt += 1) {
    const mission = await api.createMission(session, workspaceId, `probe ${randomUUID()}`, probe.headers);
    probes.push(mission.id);
    probe.made.push(mission.id);
    const heard = await stomp
      .event(
        topic,
        (event) => event.eventType === "MISSION_CREATED" && probes.includes(String(event.payload.id)),
        probe.waitMs,
      )
      .catch(() => undefined);
    if (heard) return String(heard.payload.id);
  }
  throw new Error(
    `no MISSION_CREATED on ${topic} reached the subscriber within ${probe.waitMs} ms of any of ${probe.attempts} missions`,
  );
}
