import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HarnessError } from "../errors.ts";
import { findExecutable } from "../support/host.ts";
import { lastLines, run } from "../support/run.ts";

/** A certificate authority made for one environment; its key never leaves the environment's directory. */
export interface LocalCa {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface IssuedCertificate {
  readonly certFile: string;
  /** The leaf followed by the CA certificate, as nginx wants it. */
  readonly chainFile: string;
  readonly keyFile: string;
  readonly names: readonly string[];
}

export class TlsError extends HarnessError {}

async function openssl(args: readonly string[], input?: string): Promise<string> {
  const binary = findExecutable("openssl");
  if (!binary)
    throw new TlsError(
      "openssl is not installed; the twin's certificates are made with it",
      "apt-get install openssl",
    );
  const result = await run(binary, args, input === undefined ? {} : { input });
  if (result.code !== 0) throw new TlsError(`openssl ${args[0]} failed:\n${lastLines(result.stderr, 8)}`);
  return result.stdout;
}

function privateFile(path: string): void {
  chmodSync(path, 0o600);
}

/**
 * Creates a new CA (EC P-256, valid for `days`) in `dir`. Each environment gets its own, so trusting one
 * twin's CA never trusts another's, and nothing is shared with other machines.
 */
export async function createLocalCa(dir: string, commonName: string, days = 30): Promise<LocalCa> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyFile = join(dir, "ca.key");
  const certFile = join(dir, "ca.crt");
  await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", keyFile]);
  privateFile(keyFile);
  await openssl([
    "req",
    "-x509",
    "-new",
    "-key",
    keyFile,
    "-sha256",
    "-days",
    String(days),
    "-subj",
    `/CN=${commonName}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE,pathlen:0",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
    "-out",
    certFile,
  ]);
  return { certFile, keyFile };
}

/**
 * The CA already in `dir` when it is still valid for a day (a resumed environment keeps its CA, so the
 * certificates its running containers present stay trusted), else a new one (`created`).
 */
export async function loadOrCreateLocalCa(
  dir: string,
  commonName: string,
): Promise<LocalCa & { readonly created: boolean }> {
  const ca = { certFile: join(dir, "ca.crt"), keyFile: join(dir, "ca.key") };
  if (existsSync(ca.certFile) && existsSync(ca.keyFile)) {
    const valid = await openssl(["x509", "-checkend", "86400", "-noout", "-in", ca.certFile]).then(
      () => true,
      () => false,
    );
    if (valid) return { ...ca, created: false };
  }
  return { ...(await createLocalCa(dir, commonName)), created: true };
}

const DNS_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/;

/** Issues a server certificate for `names` (the first is the subject), signed by the CA. */
export async function issueCertificate(
  ca: LocalCa,
  names: readonly string[],
  dir: string,
  basename: string,
  days = 30,
): Promise<IssuedCertificate> {
  if (names.length === 0) throw new TlsError("a certificate needs at least one name");
  const bad = names.filter((name) => !DNS_NAME.test(name));
  if (bad.length > 0) throw new TlsError(`not DNS names: ${bad.join(", ")}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyFile = join(dir, `${basename}.key`);
  const csrFile = join(dir, `${basename}.csr`);
  const certFile = join(dir, `${basename}.crt`);
  const chainFile = join(dir, `${basename}.chain.crt`);
  const extFile = join(dir, `${basename}.ext`);
  await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", keyFile]);
  privateFile(keyFile);
  await openssl(["req", "-new", "-key", keyFile, "-subj", `/CN=${names[0]}`, "-out", csrFile]);
  writeFileSync(
    extFile,
    [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature",
      "extendedKeyUsage=serverAuth",
      `subjectAltName=${names.map((name) => `DNS:${name}`).join(",")}`,
    ].join("\n"),
  );
  await openssl([
    "x509",
    "-req",
    "-in",
    csrFile,
    "-CA",
    ca.certFile,
    "-CAkey",
    ca.keyFile,
    // A random serial per certificate: the CA's serial file (-CAcreateserial) is read and rewritten by
    // each signing, and two certificates issued at once (the site's and the API's) broke it.
    "-set_serial",
    `0x${randomBytes(16)
      .toString("hex")
      .replace(/^[89a-f]/, "1")}`,
    "-sha256",
    "-days",
    String(days),
    "-extfile",
    extFile,
    "-out",
    certFile,
  ]);
  writeFileSync(chainFile, readFileSync(certFile, "utf8") + readFileSync(ca.certFile, "utf8"));
  return { certFile, chainFile, keyFile, names: [...names] };
}
