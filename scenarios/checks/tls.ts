import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect, type PeerCertificate } from "node:tls";
import { describe, expect, it } from "vitest";
import type { Target } from "../../harness/client/target.ts";

type TlsVersion = "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";

/** A TLS handshake at one protocol version; resolves with the peer certificate, verified by `ca` or the system's CAs. */
function handshake(
  address: string,
  name: string,
  ca: string | undefined,
  version: TlsVersion,
): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      {
        host: address,
        port: 443,
        servername: name,
        ...(ca ? { ca } : {}),
        minVersion: version,
        maxVersion: version,
        // Let the client offer the old protocols at all; the server must be the one that refuses them.
        ciphers: "DEFAULT@SECLEVEL=0",
        timeout: 10_000,
      },
      () => {
        const certificate = socket.getPeerCertificate();
        socket.destroy();
        resolve(certificate);
      },
    );
    socket.once("timeout", () => socket.destroy(new Error(`TLS handshake with ${name} timed out`)));
    socket.once("error", reject);
  });
}

/** The names a target serves over TLS: the site, www and the API. */
export function tlsNames(target: Target): string[] {
  return [
    ...new Set([target.urls.site, target.urls.www, target.urls.api].map((url) => new URL(url).hostname)),
  ];
}

/** TLS 1.0 and 1.1 refused, 1.2 and 1.3 accepted with a certificate valid for the name, on every name. */
export function tlsChecks(target: () => Target, names: readonly string[]): void {
  describe.each(names)("TLS on %s", (name) => {
    const address = () => target().hosts?.[name] ?? name;
    const ca = () => (target().caFile ? readFileSync(target().caFile as string, "utf8") : undefined);

    it.each(["TLSv1", "TLSv1.1"] as const)("refuses %s", async (version) => {
      // Refused by the server's TLS (a protocol alert), not merely unreachable.
      await expect(handshake(address(), name, ca(), version)).rejects.toThrow(
        /alert protocol version|unsupported protocol|wrong version number|handshake failure|no protocols available/i,
      );
    });

    it.each(["TLSv1.2", "TLSv1.3"] as const)(
      "accepts %s with a certificate valid for the name",
      async (version) => {
        const certificate = await handshake(address(), name, ca(), version);
        const x509 = new X509Certificate(certificate.raw);
        expect(x509.checkHost(name)).toBe(name);
        expect(new Date(x509.validTo).getTime()).toBeGreaterThan(Date.now());
      },
    );
  });
}
