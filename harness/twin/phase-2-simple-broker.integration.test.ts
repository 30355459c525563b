import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Api } from "../client/api.ts";
import { pinnedStomp, pinsToEveryInstance } from "../client/pinned-clients.ts";
import { untilSubscribed } from "../client/until-subscribed.ts";
import { targetAgent, twinTarget } from "../client/target.ts";
import { loadConfig, type HarnessConfig } from "../config.ts";
import { run } from "../support/run.ts";
import { cli, leftovers, type CliResult } from "../testing/env-cli.ts";
import { readEnvironment, stopEnvironment, type Environment } from "./environment.ts";

const name = `p2s-${inject("runOwner").replace(/^test-/, "")}`;
const config: HarnessConfig = { ...loadConfig(), envName: name };

/** env:up --phase 2 with `lines` replacing what the user data writes (HARNESS_APP_ENV_FILE, overriding). */
function upWithSettings(environment: string, file: string, lines: readonly string[]): Promise<CliResult> {
  writeFileSync(file, `${lines.join("\n")}\n`);
  return cli(["up", "--phase", "2"], {
    HARNESS_ENV: environment,
    HARNESS_TIME_SCALE: "10",
    HARNESS_APP_ENV_FILE: file,
    HARNESS_APP_ENV_OVERRIDE: "1",
  });
}

/**
 * Phase 2 as a build without the relay runs it: the broker's settings the user data writes taken out
 * again (HARNESS_APP_ENV_FILE with the override), so each instance keeps Spring's in-memory broker.
 */
describe("phase 2 with each instance's in-memory STOMP broker (no relay)", () => {
  const dir = mkdtempSync(join(tmpdir(), "twin-simple-broker-"));
  let twin: Environment;
  let upStderr = "";

  beforeAll(async () => {
    const up = await upWithSettings(name, join(dir, "no-relay.env"), [
      "# the reference backend's in-memory broker: no relay host",
      "BROKER_RELAY_HOST=",
    ]);
    const saved = readEnvironment(config);
    if (up.code !== 0 || !saved) throw new Error(`env:up --phase 2 failed:\n${up.stderr.slice(-3000)}`);
    twin = saved;
    upStderr = up.stderr;
  });

  afterAll(async () => {
    await stopEnvironment(config);
    rmSync(dir, { recursive: true, force: true });
  });

  it("says at env:up that no instance relays through the broker, and what that means", () => {
    expect(upStderr).toMatch(
      /\[broker\] app-1 \(i-[0-9a-f]+\), app-2 \(i-[0-9a-f]+\) held no connection to the broker within \d+ s: an event published through such an instance reaches only its own subscribers/,
    );
  });

  it("loses an event published through one instance for the subscribers connected to another", async () => {
    for (const member of ["app-1", "app-2"]) {
      const logs = await run("docker", ["logs", twin.containers[member] ?? ""]);
      expect(logs.stdout, member).toMatch(
        /BrokerAvailabilityEvent\[available=true, SimpleBrokerMessageHandler/,
      );
      expect(logs.stdout, member).not.toContain("StompBrokerRelayMessageHandler");
    }
    const target = twinTarget(twin);
    const dispatcher = targetAgent(target);
    const api = new Api(target, dispatcher);
    const session = await api.register("Simple Broker User");
    const workspace = await api.firstWorkspace(session);
    const [first, second] = await pinsToEveryInstance(target, dispatcher, 2);
    if (!first || !second) throw new Error("two pins expected");
    const subscribers = [first, second].map((pin) => ({
      pin,
      stomp: pinnedStomp(target, session.accessToken, pin),
    }));
    const [onFirst, onSecond] = subscribers;
    if (!onFirst || !onSecond) throw new Error("two subscribers expected");
    const topic = `/topic/workspaces/${workspace.id}`;
    try {
      for (const subscriber of subscribers) {
        await subscriber.stomp.connect();
        subscriber.stomp.subscribe(topic);
        // Probes through the subscriber's own instance, a second apart, for up to 20 s.
        await untilSubscribed(api, session, workspace.id, subscriber.stomp, {
          attempts: 20,
          waitMs: 1_000,
          headers: subscriber.pin,
          made: [],
        });
      }
      // Published through the second instance: its own subscriber hears it ...
      const lost = await api.createMission(session, workspace.id, "published through the second", second);
      await onSecond.stomp.event(topic, (event) => event.payload.id === lost.id, 10_000);
      // ... and the first instance's subscriber, live on its own instance (it hears the next mission made
      // there), never does: Spring's simple broker delivers only to the sessions of its own instance.
      const later = await api.createMission(session, workspace.id, "published through the first", first);
      await onFirst.stomp.event(topic, (event) => event.payload.id === later.id, 10_000);
      expect(onFirst.stomp.events.map((event) => event.payload.id)).not.toContain(lost.id);
    } finally {
      await Promise.all(subscribers.map((subscriber) => subscriber.stomp.close()));
      await dispatcher.close();
    }
  });
});

describe("phase 2 with a relay the broker refuses", () => {
  const refusedName = `p2r-${inject("runOwner").replace(/^test-/, "")}`;
  const dir = mkdtempSync(join(tmpdir(), "twin-refused-relay-"));

  afterAll(async () => {
    await stopEnvironment({ ...loadConfig(), envName: refusedName });
    rmSync(dir, { recursive: true, force: true });
  });

  it("fails env:up naming the instance and what the broker answered, and leaves nothing", async () => {
    const up = await upWithSettings(refusedName, join(dir, "wrong-password.env"), [
      "# not the broker's user's password",
      "BROKER_PASSWORD=not-the-brokers-password",
    ]);
    expect(up.code).not.toBe(0);
    expect(up.stderr).toMatch(
      /app-\d \(i-[0-9a-f]+\) relays its STOMP traffic to the broker, and the broker refused it: User name \[[^\]]+\] or password is invalid/,
    );
    expect(up.stderr).toContain("BROKER_USERNAME and BROKER_PASSWORD");
    expect(await leftovers(refusedName)).toEqual([]);
  });
});
