import { ConfigError } from "../errors.ts";

/** LocalStack's default account: every stack deployed to the emulator targets it. */
export const EMULATOR_ACCOUNT = "000000000000";

/** Host variables a child CDK process may inherit; everything else (AWS_PROFILE, tokens, ...) is dropped. */
const INHERITED = [
  "PATH",
  "HOME",
  "TMPDIR",
  "LANG",
  "LC_ALL",
  "TERM",
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
];

function requireLoopback(endpoint: string): void {
  let host: string;
  try {
    host = new URL(endpoint).hostname;
  } catch {
    throw new ConfigError(`emulator endpoint ${endpoint} is not a URL`);
  }
  // Loopback (the emulator's published gateway), or the emulator's name on the twin's own network when
  // the deploy runs inside the twin (docker-compose's setup service): never anything else.
  const loopback = ["localhost", "[::1]"].includes(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
  if (!loopback && !host.endsWith(".twin.internal")) {
    throw new ConfigError(
      `refusing to deploy to ${endpoint}: the emulator must be on this machine's loopback address`,
      "deployments from the harness go to the LocalStack container it started, published on a 127.x address",
    );
  }
}

/**
 * The S3 endpoint: the emulator's own, except inside the twin, where S3 is addressed as s3.<emulator host>
 * so that the CDK CLI's virtual-host bucket URLs (<bucket>.s3.aws.twin.internal) are ones the emulator
 * recognizes as S3 (the twin's network gives those names to the emulator).
 */
export function s3Endpoint(endpoint: string): string {
  const url = new URL(endpoint);
  if (!url.hostname.endsWith(".twin.internal")) return endpoint;
  url.hostname = `s3.${url.hostname}`;
  return url.toString().replace(/\/$/, "");
}

/**
 * The complete environment of a `cdk`/`cdklocal` child process that deploys to the emulator. It is built
 * from an allowlist, never from the caller's environment as a whole: no profile, no real credentials, no
 * config file can send a request to real AWS. Every AWS endpoint is the emulator on loopback.
 */
export function emulatorDeployEnv(
  endpoint: string,
  region: string,
  host: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string> {
  requireLoopback(endpoint);
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = host[name];
    if (value !== undefined) env[name] = value;
  }
  return {
    ...env,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ENDPOINT_URL_S3: s3Endpoint(endpoint),
    // Path-style bucket URLs: a bucket's virtual host (<bucket>.aws.twin.internal) resolves nowhere.
    AWS_S3_FORCE_PATH_STYLE: "true",
    // No shared config or credentials file can add a profile, a role or another endpoint.
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    CDK_DEFAULT_ACCOUNT: EMULATOR_ACCOUNT,
    CDK_DEFAULT_REGION: region,
    // The CLI would otherwise fetch notices and send telemetry over the network.
    CDK_DISABLE_CLI_TELEMETRY: "true",
    CI: "true",
  };
}
