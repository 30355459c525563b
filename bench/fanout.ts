/**
 * Benchmark: WebSocket fan-out. N STOMP subscribers (default 500) on one workspace topic, each its own
 * wss:// connection to https://api.threadcast.io/ws through the instance's nginx, on the t3.micro-sized
 * app container; then one REST write (POST /api/missions) per round. Measures, per round, the time from
 * sending the write until each subscriber has MISSION_CREATED (p50, p99, max) and how many never got it
 * (waiting 10 s); the headline p50/p99/max are over every delivery of every round. Spring's simple broker
 * sends no RECEIPT for SUBSCRIBE, so a warm-up write first shows which subscriptions are live; a client
 * that missed it is reported (missedWarmUp) and still counted as lost in each round it misses.
 *
 * On a phase-2 twin the subscribers connect through the ALB, which spreads them over the group's
 * instances (each event crosses the broker relay to the others' subscribers): the result is
 * fanout-phase-2, with the subscribers each instance held.
 *
 *   npm run bench:fanout -- [subscribers] [rounds]   (default 500 and 5; needs a running twin: HARNESS_ENV)
 */
import { Client, type IStompSocket } from "@stomp/stompjs";
import { randomUUID } from "node:crypto";
import WebSocket from "ws";
import { loadConfig } from "../harness/config.ts";
import { containerNameOf, readEnvironment } from "../harness/twin/environment.ts";
import { Api } from "../harness/client/api.ts";
import { connectOptions, targetAgent, twinTarget } from "../harness/client/target.ts";
import { targetHealth } from "../harness/containers/load-balancer-targets.ts";
import { addressOn } from "../harness/drills/address-on.ts";
import { memoryMiB, percentile, round, writeResult } from "./lib.ts";

const subscribers = Number(process.argv[2] ?? 500);
const rounds = Number(process.argv[3] ?? 5);
const LOSS_WAIT_MS = 10_000;
const environment = readEnvironment(loadConfig());
if (!environment) {
  process.stderr.write("no twin is up: npm run env:up first (HARNESS_ENV names it)\n");
  process.exit(3);
}
const target = twinTarget(environment);
/** The API's instances: phase 1's one, or the group's (the load balancer spreads new connections). */
const apps = Object.keys(environment.containers).filter((name) => name === "app" || /^app-\d+$/.test(name));
const memoryOf = (memory: Record<string, number>) =>
  Object.fromEntries(apps.map((instance) => [instance, memory[containerNameOf(environment.name, instance)]]));

/** Phase 2: the load balancer's open sessions per instance (each subscriber holds one), by instance. */
async function subscribersPerInstance(): Promise<Record<string, number> | undefined> {
  const balancer = environment?.topology.loadBalancer;
  if (!environment || !balancer) return undefined;
  const targets = await targetHealth(environment.containers.alb ?? "", balancer);
  const entries = await Promise.all(
    apps.map(async (instance) => {
      const address = await addressOn(environment.containers[instance] ?? "", environment.networks.public);
      return [instance, targets.find((entry) => entry.address === address)?.sessions ?? 0] as const;
    }),
  );
  return Object.fromEntries(entries);
}
const agent = targetAgent(target);
const api = new Api(target, agent);
const session = await api.register("Fan-out Bench");
const workspace = await api.firstWorkspace(session);
const topic = `/topic/workspaces/${workspace.id}`;

/** One subscriber: the mission titles it has seen, and when (performance.now()). */
interface Subscriber {
  readonly client: Client;
  readonly seen: Map<string, number>;
}

/** Connects and subscribes one client; resolves once CONNECTED arrived and SUBSCRIBE was sent. */
function subscriber(): Promise<Subscriber> {
  const seen = new Map<string, number>();
  return new Promise((resolve, reject) => {
    const fail = (reason: string) => {
      clearTimeout(timer);
      void client.deactivate();
      reject(new Error(reason));
    };
    const timer = setTimeout(() => fail("no CONNECTED within 30 s"), 30_000);
    const client: Client = new Client({
      webSocketFactory: () =>
        new WebSocket(target.urls.ws, ["v12.stomp"], {
          ...connectOptions(target),
          origin: target.urls.site.replace(/\/$/, ""),
          handshakeTimeout: 20_000,
        }) as unknown as IStompSocket,
      connectHeaders: { Authorization: `Bearer ${session.accessToken}` },
      heartbeatIncoming: 4_000,
      heartbeatOutgoing: 4_000,
      reconnectDelay: 0,
      onConnect: () => {
        clearTimeout(timer);
        client.subscribe(topic, (message) => {
          const event = JSON.parse(message.body) as { eventType: string; payload: { title?: string } };
          if (event.eventType === "MISSION_CREATED" && event.payload.title)
            seen.set(event.payload.title, performance.now());
        });
        resolve({ client, seen });
      },
      onStompError: (frame) => fail(`STOMP ERROR: ${frame.headers.message ?? frame.body}`),
      onWebSocketError: () => fail("the WebSocket failed before CONNECTED"),
    });
    client.activate();
  });
}

/** Creates a mission titled `title`; resolves with when the write was sent and how long it took. */
async function write(title: string): Promise<{ sent: number; writeMs: number }> {
  const sent = performance.now();
  await api.createMission(session, workspace.id, title);
  return { sent, writeMs: performance.now() - sent };
}

/** Waits until every client has the event for `title`, or LOSS_WAIT_MS after it was sent. */
async function delivered(title: string, sent: number): Promise<void> {
  while (clients.some((client) => !client.seen.has(title)) && performance.now() < sent + LOSS_WAIT_MS) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// Connect in waves of 50, as a crowd of tabs would arrive, not one thundering herd.
const connectStarted = performance.now();
const clients: Subscriber[] = [];
const connectFailures: string[] = [];
for (let index = 0; index < subscribers; index += 50) {
  const wave = await Promise.allSettled(
    Array.from({ length: Math.min(50, subscribers - index) }, () => subscriber()),
  );
  for (const outcome of wave) {
    if (outcome.status === "fulfilled") clients.push(outcome.value);
    else connectFailures.push(String(outcome.reason));
  }
}
const connectMs = performance.now() - connectStarted;
// STOMP's simple broker sends no RECEIPT for a SUBSCRIBE, so a first write shows every subscription is
// in place: a client that never gets it is counted as not subscribed, not as a lost event of a round.
const warmUp = `Fan-out warm-up ${randomUUID()}`;
await delivered(warmUp, (await write(warmUp)).sent);
const unsubscribed = clients.filter((client) => !client.seen.has(warmUp)).length;
process.stderr.write(
  `[bench] ${clients.length}/${subscribers} subscribers connected in ${round(connectMs / 1000)} s; ${unsubscribed} missed the warm-up event\n`,
);

const results: { writeMs: number; p50: number; p99: number; max: number; lost: number }[] = [];
/** Every delivery of every round: the headline percentiles are over all of them, not a median of rounds. */
const pooled: number[] = [];
for (let index = 0; index < rounds; index += 1) {
  const title = `Fan-out ${index} ${randomUUID()}`;
  const { sent, writeMs } = await write(title);
  await delivered(title, sent);
  const latencies = clients.flatMap((client) => {
    const at = client.seen.get(title);
    return at === undefined ? [] : [at - sent];
  });
  pooled.push(...latencies);
  results.push({
    writeMs: round(writeMs),
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
    max: round(Math.max(...latencies)),
    lost: clients.length - latencies.length,
  });
  process.stderr.write(`[bench] round ${index + 1}/${rounds}: ${JSON.stringify(results.at(-1))}\n`);
}
const spread = await subscribersPerInstance();
const memory = await memoryMiB(apps.map((instance) => containerNameOf(environment.name, instance)));
await Promise.all(clients.map((client) => client.client.deactivate()));
await agent.close();

const medianOf = (key: "p50" | "p99" | "max" | "writeMs") =>
  round(
    percentile(
      results.map((entry) => entry[key]),
      50,
    ),
  );
const result = {
  subscribers,
  connected: clients.length,
  connectFailures: connectFailures.length,
  connectFailureSamples: [...new Set(connectFailures)].slice(0, 3),
  connectAllMs: round(connectMs),
  missedWarmUp: unsubscribed,
  rounds: results,
  deliveryMs: {
    p50: round(percentile(pooled, 50)),
    p99: round(percentile(pooled, 99)),
    max: round(Math.max(...pooled)),
    deliveries: pooled.length,
  },
  restWriteMs: medianOf("writeMs"),
  lostTotal: results.reduce((sum, entry) => sum + entry.lost, 0) + connectFailures.length * rounds,
  appMemoryMiB: apps.length === 1 ? memory[containerNameOf(environment.name, "app")] : memoryOf(memory),
  ...(spread ? { subscribersPerInstance: spread } : {}),
  target: { lost: 0, p99Ms: 250 },
  measuredFrom: "send of POST /api/missions to the MESSAGE frame at each subscriber (one Node process)",
};
const file = await writeResult(environment.topology.loadBalancer ? "fanout-phase-2" : "fanout", result);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n${file}\n`);
