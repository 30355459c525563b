import { request } from "undici";
import { describe, expect } from "vitest";
import { pinnedStomp, pinsToEveryInstance, type Pin } from "../../harness/client/pinned-clients.ts";
import { STICKINESS_COOKIE, stickinessCookieValue } from "../../harness/client/stickiness-cookie.ts";
import { untilSubscribed } from "../../harness/client/until-subscribed.ts";
import type { StompSession } from "../../harness/client/stomp-session.ts";
import { test } from "../support/scenario-test.ts";

/** Subscribers each instance of the group holds in the fan-out scenario. */
const PER_INSTANCE = 3;
/** Events published, through the instances in turn. */
const EVENTS = 12;
/** Probe missions through a subscriber's own instance until it hears one: a second apart, up to 20 s. */
const PROBES = { attempts: 20, waitMs: 1_000 } as const;

/** api.threadcast.io through the ALB to the Auto Scaling group's instances, relaying STOMP through the broker. */
describe("phase 2: the API's name across the group's instances", () => {
  test("spreads new clients over every instance, and keeps a client on its instance by its stickiness cookie (AWSALB)", async ({
    twin,
    target,
    agent,
  }) => {
    const desired = twin.topology.fleet?.desiredCapacity ?? 0;
    expect(desired).toBeGreaterThanOrEqual(2);
    const pins = await pinsToEveryInstance(target, agent, desired);
    expect(new Set(pins.map((pin) => pin.cookie)).size).toBe(desired);
    const [pinned] = pins;
    for (let i = 0; i < 6; i += 1) {
      const answer = await request(`${target.urls.api}/health`, { dispatcher: agent, headers: pinned });
      expect(answer.statusCode).toBe(200);
      await answer.body.dump();
      // A pinned client is not moved: the balancer sets no new cookie (or the same one again).
      const again = stickinessCookieValue(answer.headers["set-cookie"]);
      expect(again === undefined || `${STICKINESS_COOKIE}=${again}` === pinned?.cookie).toBe(true);
    }
  });

  test("delivers every event, published through any instance, to subscribers on every instance: none lost (the STOMP relay)", async ({
    twin,
    target,
    agent,
    api,
  }) => {
    const session = await api.register("Fan-out User");
    const workspace = await api.firstWorkspace(session);
    const topic = `/topic/workspaces/${workspace.id}`;
    const pins = await pinsToEveryInstance(target, agent, twin.topology.fleet?.desiredCapacity ?? 2);
    const subscribers: { pin: Pin; stomp: StompSession }[] = pins.flatMap((pin) =>
      Array.from({ length: PER_INSTANCE }, () => ({
        pin,
        stomp: pinnedStomp(target, session.accessToken, pin),
      })),
    );
    try {
      for (const subscriber of subscribers) {
        await subscriber.stomp.connect();
        subscriber.stomp.subscribe(topic);
      }
      for (const { stomp, pin } of subscribers)
        await untilSubscribed(api, session, workspace.id, stomp, { ...PROBES, headers: pin, made: [] });
      const published: string[] = [];
      for (let i = 0; i < EVENTS; i += 1) {
        const through = pins[i % pins.length];
        published.push((await api.createMission(session, workspace.id, `fan-out ${i}`, through)).id);
      }
      for (const [index, subscriber] of subscribers.entries()) {
        await subscriber.stomp.until(
          `all ${EVENTS} events at subscriber ${index}`,
          () => {
            const seen = new Set(subscriber.stomp.events.map((event) => String(event.payload.id)));
            return published.every((id) => seen.has(id)) ? true : undefined;
          },
          15_000,
        );
        const created = subscriber.stomp.events.filter(
          (event) => published.includes(String(event.payload.id)) && event.eventType === "MISSION_CREATED",
        );
        // Each exactly once: the relay neither loses nor repeats one.
        expect(created).toHaveLength(EVENTS);
      }
    } finally {
      await Promise.all(subscribers.map((subscriber) => subscriber.stomp.close()));
    }
  });
});
