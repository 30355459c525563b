import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { TWIN_HOSTS } from "../cdk/twin-hosts.ts";
import { BROKER_STOMP_PORT } from "../cdk/stand-in-entries/broker-stand-in.ts";
import { LABEL_OWNER } from "../support/cleanup.ts";
import { createLocalCa, issueCertificate, type LocalCa } from "../tls/local-ca.ts";

/** One STOMP CONNECT over TLS (verified against the CA, by the broker's name): the first frame back. */
function stompConnect(address: string, ca: LocalCa, login: string, passcode: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: address,
      port: BROKER_STOMP_PORT,
      servername: TWIN_HOSTS.broker,
      ca: readFileSync(ca.certFile),
    });
    let answer = "";
    socket.on("secureConnect", () =>
      socket.write(`CONNECT\naccept-version:1.2\nhost:/\nlogin:${login}\npasscode:${passcode}\n\n\0`),
    );
    socket.on("data", (chunk: Buffer) => {
      answer += String(chunk);
      if (answer.includes("\0")) {
        socket.end();
        resolve(answer.slice(0, answer.indexOf("\0")));
      }
    });
    socket.on("error", reject);
    socket.setTimeout(20_000, () => socket.destroy(new Error("no STOMP frame within 20 s")));
  });
}

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
    const store = join(dir, "broker.p12");
    execFileSync(
      "openssl",
      [
        "pkcs12",
        "-export",
        "-in",
        issued.chainFile,
        "-inkey",
        issued.keyFile,
        "-out",
        store,
        "-passout",
        "stdin",
      ],
      { input: `${storePassword}\n` },
    );
    broker = await new GenericContainer(inject("images").broker as string)
      .withLabels({ [LABEL_OWNER]: owner })
      .withNetworkMode(network)
      .withCopyFilesToContainer([{ source: store, target: "/run/twin-broker/broker.p12" }])
      .withCopyContentToContainer([
        {
          content: `broker.username=threadcast\nbroker.password=${password}\nbroker.keystorePassword=${storePassword}\n`,
          target: "/run/twin-broker/user.properties",
        },
      ])
      .withWaitStrategy(Wait.forLogMessage(/Connector stomp\+ssl started/))
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

  it("keeps the user's file readable by the broker's own user only", async () => {
    const listed = await broker.exec(["stat", "-c", "%U %a", "/run/twin-broker/user.properties"]);
    expect(listed.output.trim()).toBe("activemq 400");
  });
});
