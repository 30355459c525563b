import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { loadConfig } from "../config.ts";
import { ensureChromium } from "../support/chromium.ts";
import type { Environment } from "../twin/environment.ts";

/** The SPKI pin Chromium accepts for a certificate (base64 of the SHA-256 of its public key). */
function spkiPin(certificateFile: string): string {
  const key = new X509Certificate(readFileSync(certificateFile)).publicKey.export({
    type: "spki",
    format: "der",
  });
  return createHash("sha256").update(key).digest("base64");
}

/**
 * Debian's Chromium (headless, driven by playwright-core) that reaches the twin as a user's browser
 * would reach the deployment: the twin's names resolve to its entry points (host resolver rules from
 * the Route 53 records), and exactly the twin's certificates are trusted (their SPKI pins). Close it
 * when done.
 */
export async function launchTwinBrowser(environment: Environment): Promise<Browser> {
  const executablePath = await ensureChromium(loadConfig());
  const rules = Object.entries(environment.hosts)
    .map(([host, address]) => `MAP ${host} ${address}`)
    .join(", ");
  const pins = ["site.crt", "api.crt"].map((file) => spkiPin(join(environment.dir, "certs", file))).join(",");
  return chromium.launch({
    executablePath,
    headless: true,
    timeout: 60_000,
    args: [
      `--host-resolver-rules=${rules}, EXCLUDE localhost`,
      `--ignore-certificate-errors-spki-list=${pins}`,
      // Chromium refuses to start as root with its sandbox (CI runs as root).
      ...(process.getuid?.() === 0 ? ["--no-sandbox"] : []),
    ],
  });
}
