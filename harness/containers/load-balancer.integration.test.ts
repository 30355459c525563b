import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { synth } from "../../infra/test/synth.ts";
import { LABEL_OWNER } from "../support/cleanup.ts";
import { createLocalCa, issueCertificate } from "../tls/local-ca.ts";
import { deriveLoadBalancer, type LoadBalancerTopology } from "../twin/load-balancer-topology.ts";
import { randomBytes } from "node:crypto";
import { LoadBalancerContainer } from "./load-balancer-container.ts";
import { STICKINESS_COOKIE } from "../client/stickiness-cookie.ts";
import { deregisterTarget, registerTarget, targetHealth } from "./load-balancer-targets.ts";

const API = "api.threadcast.io";

/**
 * A target: answers its health check 200 (503 once /tmp/unhealthy exists), /api/slow after 5 s, any
 * other path with its name and the headers it got, and a WebSocket upgrade with 101 and one text frame
 * naming it.
 */
const TARGET_SERVER = `
const http = require("node:http"), fs = require("node:fs"), crypto = require("node:crypto");
const name = process.env.TARGET_NAME;
const server = http.createServer((req, res) => {
  if (req.url === "/api/health") {
    res.writeHead(fs.existsSync("/tmp/unhealthy") ? 503 : 200).end();
    return;
  }
  if (req.url.startsWith("/api/slow")) {
    setTimeout(() => res.end(JSON.stringify({ name, slow: true })), 5000);
    return;
  }
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ name, headers: req.headers }));
});
server.on("upgrade", (req, socket) => {
  const accept = crypto.createHash("sha1").update(req.headers["sec-websocket-key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
  const text = Buffer.from("hello from " + name);
  socket.write("HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: " + accept + "\\r\\n\\r\\n");
  socket.write(Buffer.concat([Buffer.from([0x81, text.length]), text]));
});
server.listen(8080, () => console.log("target " + name + " listening"));
`;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function collect(resolve: (answer: Answer) => void) {
  return (res: IncomingMessage) => {
    let body = "";
    res
      .setEncoding("utf8")
      .on("data", (chunk: string) => (body += chunk))
      .on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
  };
}

describe("the ALB stand-in: HAProxy configured from the phase-2 template", () => {
  let network = "";
  let ca = "";
  let balancer: LoadBalancerTopology;
  let alb: StartedTestContainer;
  const targets: StartedTestContainer[] = [];
  let spare: StartedTestContainer | undefined;

  const get = (path: string, cookie?: string): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = { Host: API, ...(cookie ? { Cookie: cookie } : {}) };
      const port = alb.getMappedPort(balancer.https.port);
      httpsRequest(
        { host: "127.0.0.1", port, path, servername: API, ca, headers, agent: false },
        collect(resolve),
      )
        .on("error", reject)
        .end();
    });
  const address = (target: StartedTestContainer) => target.getIpAddress(network);
  const servedBy = async (cookie?: string) =>
    (JSON.parse((await get("/api/who", cookie)).body) as { name: string }).name;

  beforeAll(async () => {
    const owner = inject("runOwner");
    const images = inject("images");
    const derived = deriveLoadBalancer(synth(2).backendTemplate.toJSON().Resources);
    // The template's rhythm (30 s, 5 to be healthy) with the intervals of a drill, so the test takes seconds.
    const check = { ...derived.targetGroup.healthCheck, intervalSeconds: 1, healthyThreshold: 2 };
    balancer = { ...derived, targetGroup: { ...derived.targetGroup, healthCheck: check } };
    network = `${owner}-alb`;
    execFileSync("docker", ["network", "create", "--label", `${LABEL_OWNER}=${owner}`, network]);
    const target = (name: string) =>
      new GenericContainer(images.edge as string)
        .withLabels({ [LABEL_OWNER]: owner })
        .withNetworkMode(network)
        .withEnvironment({ TARGET_NAME: name })
        .withCommand(["node", "-e", TARGET_SERVER])
        .withWaitStrategy(Wait.forLogMessage(`target ${name} listening`))
        .start();
    targets.push(...(await Promise.all(["app-1", "app-2"].map(target))));
    spare = await target("app-3");
    const dir = mkdtempSync(join(tmpdir(), "alb-"));
    const localCa = await createLocalCa(join(dir, "ca"), "ThreadCast ALB test CA");
    ca = readFileSync(localCa.certFile, "utf8");
    alb = await new LoadBalancerContainer({
      image: images.haproxy as string,
      owner,
      balancer,
      certificate: await issueCertificate(localCa, [API], join(dir, "certs"), "api"),
      networks: [{ name: network }],
      slots: { count: 4, cookieKey: randomBytes(12).toString("hex") },
    }).start();
    for (const [i, target] of targets.entries())
      await registerTarget(alb.getId(), balancer, { name: `app-${i + 1}`, address: address(target) }, 10_000);
  });

  afterAll(async () => {
    await alb?.stop();
    for (const target of [...targets, spare]) await target?.stop();
    if (network) execFileSync("docker", ["network", "rm", network]);
  });

  it("redirects plain HTTP to HTTPS with a 301, host, path and query kept", async () => {
    const answer = await new Promise<Answer>((resolve, reject) => {
      const port = alb.getMappedPort(80);
      httpRequest(
        { host: "127.0.0.1", port, path: "/api/threads?page=2", headers: { Host: API } },
        collect(resolve),
      )
        .on("error", reject)
        .end();
    });
    expect(answer.status).toBe(301);
    expect(answer.headers.location).toBe(`https://${API}/api/threads?page=2`);
  });

  it("spreads requests without a cookie over both targets and sets X-Forwarded-For, -Proto and -Port", async () => {
    const answers = await Promise.all([1, 2, 3, 4].map(() => get("/api/who")));
    const bodies = answers.map(
      (answer) => JSON.parse(answer.body) as { name: string; headers: Record<string, string> },
    );
    expect(new Set(bodies.map((body) => body.name))).toEqual(new Set(["app-1", "app-2"]));
    expect(bodies[0]?.headers).toMatchObject({
      "x-forwarded-proto": "https",
      "x-forwarded-port": String(balancer.https.port),
      "x-forwarded-for": expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/),
    });
  });

  it("pins a client to one target with the ALB's cookie, for the target group's stickiness duration", async () => {
    const first = await get("/api/who");
    const setCookie = String(first.headers["set-cookie"]);
    expect(setCookie).toMatch(
      new RegExp(`^${STICKINESS_COOKIE}=[0-9a-f]{16}; .*Max-Age=${balancer.targetGroup.stickinessSeconds}`),
    );
    const cookie = setCookie.split(";")[0] ?? "";
    const pinned = (JSON.parse(first.body) as { name: string }).name;
    const next = await Promise.all([1, 2, 3, 4, 5].map(() => servedBy(cookie)));
    expect(next).toEqual([pinned, pinned, pinned, pinned, pinned]);
  });

  it("refuses a TLS 1.1 handshake with a protocol-version alert (the SSL policy's minimum is TLS 1.2)", async () => {
    const attempt = (version: "TLSv1.1" | "TLSv1.2") =>
      new Promise<string>((resolve) => {
        const socket = connect({
          host: "127.0.0.1",
          port: alb.getMappedPort(balancer.https.port),
          servername: API,
          ca,
          minVersion: version,
          maxVersion: version,
          ciphers: "DEFAULT@SECLEVEL=0",
        });
        socket.on("secureConnect", () => {
          resolve(String(socket.getProtocol()));
          socket.end();
        });
        socket.on("error", (error: NodeJS.ErrnoException) => resolve(String(error.code)));
      });
    expect(await attempt("TLSv1.2")).toBe("TLSv1.2");
    expect(await attempt("TLSv1.1")).toBe("ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION");
  });

  it("takes a target out when it fails its health check and back once it passes again", async () => {
    const second = targets[1] as StartedTestContainer;
    await second.exec(["touch", "/tmp/unhealthy"]);
    await vi.waitFor(
      async () =>
        expect(await Promise.all([1, 2, 3, 4].map(() => servedBy()))).toEqual([
          "app-1",
          "app-1",
          "app-1",
          "app-1",
        ]),
      { timeout: 20_000, interval: 250 },
    );
    await second.exec(["rm", "/tmp/unhealthy"]);
    await vi.waitFor(
      async () => expect(new Set(await Promise.all([1, 2, 3, 4].map(() => servedBy())))).toContain("app-2"),
      { timeout: 20_000, interval: 250 },
    );
  });

  it("passes a WebSocket upgrade through to a target", { timeout: 20_000 }, async () => {
    const frame = await new Promise<string>((resolve, reject) => {
      const port = alb.getMappedPort(balancer.https.port);
      httpsRequest({
        host: "127.0.0.1",
        port,
        path: "/ws",
        servername: API,
        ca,
        agent: false,
        headers: {
          Host: API,
          Connection: "Upgrade",
          Upgrade: "websocket",
          "Sec-WebSocket-Version": "13",
          "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
      })
        .on("upgrade", (res, socket, head: Buffer) => {
          expect(res.statusCode).toBe(101);
          // The target's first frame may arrive with the 101 itself (as `head`) or after it.
          const frameOf = (data: Buffer) => {
            resolve(data.subarray(2).toString("utf8"));
            socket.destroy();
          };
          if (head.length > 0) frameOf(head);
          else socket.once("data", frameOf);
        })
        .on("response", (res) => reject(new Error(`no upgrade: ${res.statusCode}`)))
        .on("error", reject)
        .end();
    });
    expect(frame).toMatch(/^hello from app-[12]$/);
  });

  it("registers a target only once it passes one health check, and names what it answered when it never does", async () => {
    const unregistered = spare as StartedTestContainer;
    await unregistered.exec(["touch", "/tmp/unhealthy"]);
    await expect(
      registerTarget(alb.getId(), balancer, { name: "app-3", address: address(unregistered) }, 1_000),
    ).rejects.toThrow(
      /app-3 \(.+\) failed the target group's health check: GET \/api\/health on port 8080 answered "HTTP\/1\.1 503 Service Unavailable", expected 200/,
    );
    expect((await targetHealth(alb.getId(), balancer)).map((target) => target.address).sort()).toEqual(
      targets.map(address).sort(),
    );
  });

  it(
    "fails open when every target fails its check: all registered targets keep getting requests",
    { timeout: 30_000 },
    async () => {
      for (const target of targets) await target.exec(["touch", "/tmp/unhealthy"]);
      try {
        await vi.waitFor(
          async () =>
            expect((await targetHealth(alb.getId(), balancer)).map((target) => target.state)).toEqual([
              "unhealthy",
              "unhealthy",
            ]),
          { timeout: 20_000, interval: 250 },
        );
        const served = await Promise.all([1, 2, 3, 4].map(() => servedBy()));
        expect(new Set(served)).toEqual(new Set(["app-1", "app-2"]));
      } finally {
        for (const target of targets) await target.exec(["rm", "-f", "/tmp/unhealthy"]);
      }
      await vi.waitFor(
        async () =>
          expect((await targetHealth(alb.getId(), balancer)).map((target) => target.state)).toEqual([
            "healthy",
            "healthy",
          ]),
        { timeout: 20_000, interval: 250 },
      );
    },
  );

  it(
    "deregisters a target: no new requests, its request in flight completes, then its slot is free",
    { timeout: 30_000 },
    async () => {
      // A cookie that pins to app-2, for the request in flight.
      let cookie = "";
      await vi.waitFor(async () => {
        const answer = await get("/api/who");
        expect((JSON.parse(answer.body) as { name: string }).name).toBe("app-2");
        cookie = String(answer.headers["set-cookie"]).split(";")[0] ?? "";
      });
      const inFlight = get("/api/slow", cookie);
      const second = address(targets[1] as StartedTestContainer);
      const states = async () => await targetHealth(alb.getId(), balancer);
      await vi.waitFor(
        async () => expect((await states()).find((t) => t.address === second)?.sessions).toBeGreaterThan(0),
        { timeout: 4_000, interval: 100 },
      );
      const draining = deregisterTarget(alb.getId(), balancer, second, 10);
      try {
        await vi.waitFor(async () => expect((await states()).map((t) => t.state)).toContain("draining"), {
          timeout: 4_000,
          interval: 100,
        });
        expect(await Promise.all([servedBy(), servedBy(cookie), servedBy()])).toEqual([
          "app-1",
          "app-1",
          "app-1",
        ]);
        const slow = await inFlight;
        expect([slow.status, (JSON.parse(slow.body) as { name: string }).name]).toEqual([200, "app-2"]);
      } finally {
        await draining;
      }
      expect((await states()).map((target) => target.address)).toEqual([
        address(targets[0] as StartedTestContainer),
      ]);
    },
  );
});
