import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import type { StartedPostgreSqlContainer } from "@testcontainers/postgresql";
import type { StartedTestContainer } from "testcontainers";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { INSTANCE_FILE_PATHS } from "../../infra/lib/constructs/api-user-data.ts";
import { loadConfig } from "../config.ts";
import { buildReferenceJar } from "../reference-builds/backend-jar.ts";
import { waitFor } from "../support/wait-for.ts";
import { createLocalCa, issueCertificate } from "../tls/local-ca.ts";
import { readServiceUnit } from "../twin/systemd-unit.ts";
import { ApiProxyContainer } from "./api-proxy-container.ts";
import { AppContainer } from "./app-container.ts";
import { DatabaseContainer } from "./database-container.ts";

const API = "api.threadcast.io";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An HTTPS request to api.threadcast.io, sent to the loopback port, verified against the twin's CA only. */
function httpsGet(port: number, path: string, ca: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: "127.0.0.1", port, path, servername: API, ca, headers: { Host: API }, timeout: 10_000 },
      (res) => {
        let body = "";
        res
          .setEncoding("utf8")
          .on("data", (chunk: string) => (body += chunk))
          .on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject).end();
  });
}

describe("the API behind the instance's nginx TLS proxy", () => {
  let publicNetwork = "";
  let privateNetwork = "";
  let database: StartedPostgreSqlContainer;
  let app: StartedTestContainer;
  let proxy: StartedTestContainer;
  let ca: string;
  const https = () => app.getMappedPort(443);

  beforeAll(async () => {
    const owner = inject("runOwner");
    const images = inject("images");
    const config = loadConfig();
    const dir = mkdtempSync(join(tmpdir(), "api-proxy-"));
    const localCa = await createLocalCa(join(dir, "ca"), "ThreadCast twin test CA");
    ca = readFileSync(localCa.certFile, "utf8");
    const certificate = await issueCertificate(localCa, [API], join(dir, "certs"), "api");
    const jar = await buildReferenceJar(config, images.postgres as string, owner);
    // The public network and an internal private one (no route out), labelled for the run's cleanup.
    const createNetwork = (name: string, ...flags: string[]) => {
      execFileSync("docker", [
        "network",
        "create",
        ...flags,
        "--label",
        `io.threadcast.harness.owner=${owner}`,
        name,
      ]);
      return name;
    };
    publicNetwork = createNetwork(`${owner}-public`);
    privateNetwork = createNetwork(`${owner}-private`, "--internal");
    database = await new DatabaseContainer(images.postgres as string, owner)
      .isolatedOn(privateNetwork, "database.twin.internal")
      .withDatabase("threadcast")
      .withUsername("threadcast")
      .start();
    app = await new AppContainer({
      image: images.jre as string,
      jarPath: jar.path,
      unit: readServiceUnit(INSTANCE_FILE_PATHS.systemdUnit),
      environment: {
        DB_HOST: "database.twin.internal",
        DB_PORT: "5432",
        DB_NAME: "threadcast",
        DB_USERNAME: "threadcast",
        DB_PASSWORD: database.getPassword(),
        JWT_SECRET: randomBytes(48).toString("base64url"),
      },
      cpus: 2,
      memoryGiB: 1,
      owner,
      networks: [{ name: publicNetwork }, { name: privateNetwork }],
    }).start();
    proxy = await new ApiProxyContainer(
      images.nginx as string,
      app.getId(),
      [INSTANCE_FILE_PATHS.nginxConf],
      certificate,
      owner,
    ).start();
    await waitFor(
      "the proxy to answer over TLS",
      () =>
        httpsGet(https(), "/api/health", ca).then(
          (answer) => (answer.status === 200 ? answer : undefined),
          () => undefined,
        ),
      30_000,
    );
  });

  afterAll(async () => {
    await proxy?.stop();
    await app?.stop();
    await database?.stop();
    // The two networks carry the run's owner label: the global teardown removes them with everything else.
  });

  it("answers https://api.threadcast.io/api/health with 200 UP, verified against the twin's CA", async () => {
    const answer = await httpsGet(https(), "/api/health", ca);
    expect(answer).toMatchObject({ status: 200, body: '{"status":"UP"}' });
  });

  it("redirects plain HTTP to HTTPS with 301", async () => {
    const answer = await new Promise<Answer>((resolve, reject) => {
      httpRequest(
        { host: "127.0.0.1", port: app.getMappedPort(80), path: "/api/health", headers: { Host: API } },
        (res) => {
          res
            .resume()
            .on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: "" }));
        },
      )
        .on("error", reject)
        .end();
    });
    expect(answer.status).toBe(301);
    expect(answer.headers.location).toBe(`https://${API}/api/health`);
  });

  it("refuses TLS 1.1 and accepts TLS 1.2 and 1.3", async () => {
    const handshake = (version: "TLSv1.1" | "TLSv1.2" | "TLSv1.3") =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(
          {
            host: "127.0.0.1",
            port: https(),
            servername: API,
            ca,
            minVersion: version,
            maxVersion: version,
            ciphers: "DEFAULT@SECLEVEL=0",
          },
          () => {
            resolve(socket.getProtocol() ?? "");
            socket.destroy();
          },
        );
        socket.once("error", reject);
      });
    await expect(handshake("TLSv1.1")).rejects.toThrow();
    await expect(handshake("TLSv1.2")).resolves.toBe("TLSv1.2");
    await expect(handshake("TLSv1.3")).resolves.toBe("TLSv1.3");
  });

  it("upgrades /ws to a WebSocket through the proxy", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest({
        host: "127.0.0.1",
        port: https(),
        path: "/ws",
        servername: API,
        ca,
        headers: {
          Host: API,
          Connection: "Upgrade",
          Upgrade: "websocket",
          "Sec-WebSocket-Version": "13",
          "Sec-WebSocket-Key": randomBytes(16).toString("base64"),
          "Sec-WebSocket-Protocol": "v12.stomp",
        },
      });
      req.on("upgrade", (res, socket) => {
        socket.destroy();
        resolve(res.statusCode ?? 0);
      });
      req.on("response", (res) => resolve(res.statusCode ?? 0));
      req.on("error", reject).end();
    });
    expect(status).toBe(101);
  });

  it("keeps the database off every network but the internal one", () => {
    const networks = execFileSync(
      "docker",
      ["inspect", "--format", "{{json .NetworkSettings.Networks}}", database.getId()],
      { encoding: "utf8" },
    );
    expect(Object.keys(JSON.parse(networks) as object)).toEqual([privateNetwork]);
  });
});
