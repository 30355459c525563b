import { setTimeout as delay } from "node:timers/promises";
import { BROKER_STOMP_PORT } from "../cdk/stand-in-entries/broker-stand-in.ts";
import { establishedClients, refusedConnections } from "../containers/broker-connections.ts";
import { EnvironmentError } from "../errors.ts";
import { say } from "../support/progress.ts";

/** How long an instance's relay may take to hold its connection (Spring's relay retries every 5 s). */
const RELAY_TIMEOUT_MS = 20_000;
/** A refused relay reconnects and is cut again: held across two looks this far apart, it was accepted. */
const HELD_FOR_MS = 1_000;

/**
 * Checks that each instance's STOMP relay holds a connection to the broker: refused (its user or
 * password wrong) fails env:up naming the instance and what the broker said; held across two looks, it
 * relays; none at all within the timeout is said, not failed (a build may keep Spring's in-memory
 * broker: its events then stay on the instance that published them).
 */
export async function checkRelays(
  broker: string,
  members: readonly { readonly name: string; readonly address: string }[],
  signal: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + RELAY_TIMEOUT_MS;
  let seenBefore = new Set<string>();
  for (;;) {
    const refused = await refusedConnections(broker);
    for (const member of members) {
      const refusal = refused.find((entry) => entry.address === member.address);
      if (refusal)
        throw new EnvironmentError(
          `${member.name} relays its STOMP traffic to the broker, and the broker refused it: ${refusal.reason}`,
          "the instance's BROKER_USERNAME and BROKER_PASSWORD (the user data writes them from the broker's secret) must be the broker's user; HARNESS_APP_ENV_FILE with HARNESS_APP_ENV_OVERRIDE=1 can replace them",
        );
    }
    const seen = await establishedClients(broker, BROKER_STOMP_PORT);
    const pending = members.filter((member) => !(seen.has(member.address) && seenBefore.has(member.address)));
    if (pending.length === 0) {
      say(`[broker] every instance relays through it: ${members.map((member) => member.name).join(", ")}`);
      return;
    }
    if (Date.now() > deadline) {
      say(
        `[broker] ${pending.map((member) => member.name).join(", ")} held no connection to the broker within ${RELAY_TIMEOUT_MS / 1000} s: an event published through such an instance reaches only its own subscribers (a build with Spring's in-memory broker?)`,
      );
      return;
    }
    seenBefore = seen;
    await delay(HELD_FOR_MS, undefined, { signal });
  }
}
