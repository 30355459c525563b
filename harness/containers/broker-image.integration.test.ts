import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type TLSSocket } from "node:tls";
import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { TWIN_HOSTS } from "../cdk/twin-hosts.ts";
import { BROKER_STOMP_PORT } from "../cdk/stand-in-entries/broker-stand-in.ts";
import { LABEL_OWNER } from "../support/cleanup.ts";
import { BROKER_FILES, BROKER_STARTED, keyStore } from "./broker-container.ts";
import { createLocalCa, issueCertificate, type LocalCa } from "../tls/local-ca.ts";

/**
 * One STOMP session over TLS (verified against the CA, by the broker's name): CONNECT as `login`, then
 * `frames` once CONNECTED; resolves with the frames received (CONNECTED or ERROR first) once `done`
 * says so, or the first frame when it is not CONNECTED.
 */
function stompSession(
  address: string,
  ca: LocalCa,
  login: string,
  passcode: string,
  frames: readonly string[] = [],
  done: (received: readonly string[]) => boolean = (received) => received.length > 0,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: address,
      port: BROKER_STOMP_PORT,
      servername: TWIN_HOSTS.broker,
      ca: readFileSync(ca.certFile),
    });
    let buffered = "";
    const received: string[] = [];
    socket.on("secureConnect", () =>
      socket.write(`CONNECT\naccept-version:1.2\nhost:/\nlogin:${login}\npasscode:${passcode}\n\n\0`),
    );
    socket.on("data", (chunk: Buffer) => {
      buffered += String(chunk);
      for (let end = buffered.indexOf("\0"); end >= 0; end = buffered.indexOf("\0")) {
        received.push(buffered.slice(0, end).replace(/^\n+/, ""));
        buffered = buffered.slice(end + 1);
        if (received.length === 1 && received[0]?.startsWith("CONNECTED")) socket.write(frames.join(""));
      }
      if (done(received) || !received[0]?.startsWith("CONNECTED")) {
        socket.end();
        resolve(received);
      }
    });
    socket.on("error", reject);
    socket.setTimeout(20_000, () => socket.destroy(new Error("no STOMP frame within 20 s")));
  });
}

/** A STOMP session left open: whether the broker answered CONNECTED, and its socket to close. */
function openStomp(
  address: string,
  ca: LocalCa,
  login: string,
  passcode: string,
): Promise<{ connected: boolean; socket: TLSSocket }> {
  return new Promise((resolve) => {
    const socket = connect({
      host: address,
      port: BROKER_STOMP_PORT,
      servername: TWIN_HOSTS.broker,
      ca: readFileSync(ca.certFile),
    });
    let answer = "";
    const done = (connected: boolean) => resolve({ connected, socket });
    socket.on("secureConnect", () =>
      socket.write(`CONNECT\naccept-version:1.2\nhost:/\nlogin:${login}\npasscode:${passcode}\n\n\0`),
    );
    socket.on("data", (chunk: Buffer) => {
      answer += String(chunk);
      if (answer.includes("\0")) done(answer.replace(/^\n+/, "").startsWith("CONNECTED"));
    });
    socket.on("close", () => done(false));
    socket.on("error", () => done(false));
    socket.setTimeout(30_000, () => socket.destroy());
  });
}

const stompConnect = async (address: string, ca: LocalCa, login: string, passcode: string) =>
  (await stompSession(address, ca, login, passcode))[0] ?? "";

/**
 * The broker image as Amazon MQ for ActiveMQ offers itself: STOMP over TLS on 61614, a certificate for
 * its name from the environment's CA, one user; anyone else refused.
 */
describe("the broker image (Debian's ActiveMQ for Amazon MQ)", () => {
  const owner = `test-broker-${randomBytes(4).toString("hex")}`;
  const network = `tc-${owner}`;
  const password = randomBytes(16).toString("hex");
  const dir = mkdtempSync(join(tmpdir(), "twin-broker-"));
  let ca: LocalCa;
  let broker: StartedTestContainer;
  let address = "";

  beforeAll(async () => {
    execFileSync("docker", ["network", "create", "--label", `${LABEL_OWNER}=${owner}`, network]);
    ca = await createLocalCa(join(dir, "ca"), "twin broker test CA", 2);
    const issued = await issueCertificate(ca, [TWIN_HOSTS.broker], join(dir, "certs"), "broker", 2);
    const storePassword = randomBytes(12).toString("hex");
    const store = await keyStore(issued, storePassword);
    broker = await new GenericContainer(inject("images").broker as string)
      .withLabels({ [LABEL_OWNER]: owner })
      .withNetworkMode(network)
      .withCopyContentToContainer([
        { content: store, target: BROKER_FILES.keyStore, mode: 0o400 },
        {
          content: `broker.username=threadcast\nbroker.password=${password}\nbroker.keystorePassword=${storePassword}\n`,
          target: BROKER_FILES.user,
        },
      ])
      .withWaitStrategy(Wait.forLogMessage(BROKER_STARTED))
      .withStartupTimeout(120_000)
      .start();
    address = broker.getIpAddress(network);
  });

  afterAll(async () => {
    await broker?.stop().catch(() => undefined);
    execFileSync("docker", ["network", "rm", network]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("accepts its user over STOMP 1.2 on TLS, with a certificate for its name from the CA", async () => {
    const frame = await stompConnect(address, ca, "threadcast", password);
    expect(frame.split("\n")[0]).toBe("CONNECTED");
    expect(frame).toContain("version:1.2");
    expect(frame).toContain("server:ActiveMQ/5.17.6");
  });

  it("refuses a wrong password and an unknown user with a STOMP ERROR frame", async () => {
    for (const [login, passcode] of [
      ["threadcast", `${password}x`],
      ["intruder", password],
    ] as const) {
      const frame = await stompConnect(address, ca, login, passcode);
      expect(frame.split("\n")[0]).toBe("ERROR");
      expect(frame).toMatch(/User name \[[a-z]+\] or password is invalid/);
    }
  });

  it("keeps a persistent message across a crash (KahaDB in its data directory)", async () => {
    const body = `kept-${randomBytes(6).toString("hex")}`;
    const queue = `/queue/twin-kept-${randomBytes(4).toString("hex")}`;
    const sent = await stompSession(
      address,
      ca,
      "threadcast",
      password,
      [`SEND\ndestination:${queue}\npersistent:true\nreceipt:stored\n\n${body}\0`],
      (received) => received.some((frame) => frame.startsWith("RECEIPT")),
    );
    expect(sent.at(-1)).toMatch(/^RECEIPT\nreceipt-id:stored/);
    // Killed, not stopped: what the receipt acknowledged was on disk already.
    await broker.restart({ timeout: 0 });
    address = broker.getIpAddress(network);
    const read = await stompSession(
      address,
      ca,
      "threadcast",
      password,
      [`SUBSCRIBE\nid:0\ndestination:${queue}\nack:auto\n\n\0`],
      (received) => received.some((frame) => frame.startsWith("MESSAGE")),
    );
    expect(read.find((frame) => frame.startsWith("MESSAGE"))?.split("\n\n")[1]).toBe(body);
  });

  it("holds Amazon MQ's 300 connections of a micro broker, and turns the next one away", async () => {
    const sockets = await Promise.all(
      Array.from({ length: 300 }, () => openStomp(address, ca, "threadcast", password)),
    );
    try {
      expect(sockets.filter((socket) => socket.connected)).toHaveLength(300);
      const extra = await openStomp(address, ca, "threadcast", password);
      extra.socket.destroy();
      expect(extra.connected).toBe(false);
    } finally {
      for (const { socket } of sockets) socket.destroy();
    }
  });

  it("keeps the user's file readable by the broker's own user only", async () => {
    const listed = await broker.exec(["stat", "-c", "%U %a", "/run/twin-broker/user.properties"]);
    expect(listed.output.trim()).toBe("activemq 400");
  });
});
