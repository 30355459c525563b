import { statSync } from "node:fs";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:https";
import { connect, type TLSSocket } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalCa, issueCertificate, type IssuedCertificate, type LocalCa } from "./local-ca.ts";

const NAMES = ["threadcast.io", "www.threadcast.io", "api.threadcast.io"];

function handshake(port: number, servername: string, ca: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, servername, ca }, () => resolve(socket));
    socket.once("error", reject);
  });
}

describe("the environment's local CA", () => {
  let ca: LocalCa;
  let leaf: IssuedCertificate;
  let other: LocalCa;
  const server = createServer();
  let port = 0;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "tls-"));
    ca = await createLocalCa(join(dir, "ca"), "ThreadCast twin test CA");
    other = await createLocalCa(join(dir, "other"), "Someone else's CA");
    leaf = await issueCertificate(ca, NAMES, join(dir, "certs"), "site");
    server.setSecureContext({ cert: readFileSync(leaf.chainFile), key: readFileSync(leaf.keyFile) });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    port = typeof address === "object" && address ? address.port : 0;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("issues a leaf valid for every requested name, signed by the CA, not itself a CA", () => {
    const cert = new X509Certificate(readFileSync(leaf.certFile));
    const caCert = new X509Certificate(readFileSync(ca.certFile));
    for (const name of NAMES) expect(cert.checkHost(name)).toBe(name);
    expect(cert.checkHost("evil.example")).toBeUndefined();
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(caCert.ca).toBe(true);
  });

  it("keeps private keys readable by their owner only", () => {
    for (const key of [ca.keyFile, leaf.keyFile]) expect(statSync(key).mode & 0o077).toBe(0);
  });

  it.each(NAMES)(
    "completes a verified TLS handshake for %s with the CA as the only trust anchor",
    async (name) => {
      const socket = await handshake(port, name, readFileSync(ca.certFile, "utf8"));
      expect(socket.authorized).toBe(true);
      socket.destroy();
    },
  );

  it("fails the handshake against another environment's CA", async () => {
    await expect(handshake(port, "api.threadcast.io", readFileSync(other.certFile, "utf8"))).rejects.toThrow(
      /self[- ]signed|unable to verify|unable to get local issuer/i,
    );
  });

  it("fails the handshake for a name the certificate does not carry", async () => {
    await expect(handshake(port, "admin.threadcast.io", readFileSync(ca.certFile, "utf8"))).rejects.toThrow(
      /altnames|does not match/i,
    );
  });

  it("refuses names that are not DNS names", async () => {
    await expect(issueCertificate(ca, ["threadcast.io", "not a name"], tmpdir(), "bad")).rejects.toThrow(
      /not DNS names: not a name/,
    );
  });

  it("issues certificates side by side from one CA, each with its own serial", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tls-parallel-"));
    const issued = await Promise.all(
      ["a", "b", "c", "d", "e", "f"].map((name) =>
        issueCertificate(ca, [`${name}.threadcast.io`], dir, name),
      ),
    );
    const serials = issued.map((cert) => new X509Certificate(readFileSync(cert.certFile)).serialNumber);
    expect(new Set(serials).size).toBe(issued.length);
    for (const cert of issued)
      expect(
        new X509Certificate(readFileSync(cert.certFile)).checkIssued(
          new X509Certificate(readFileSync(ca.certFile)),
        ),
      ).toBe(true);
  });
});
