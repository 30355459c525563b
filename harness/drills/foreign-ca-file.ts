import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalCa } from "../tls/local-ca.ts";

/** The certificate of a new CA that signed nothing of the twin's: trusting it instead must fail TLS. */
export async function foreignCaFile(commonName: string): Promise<string> {
  const ca = await createLocalCa(join(mkdtempSync(join(tmpdir(), "foreign-ca-")), "ca"), commonName);
  return ca.certFile;
}
