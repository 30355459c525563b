type Env = Readonly<Record<string, string | undefined>>;

/**
 * How testcontainers must be set up for the harness, unless the user set these variables:
 * - every published port binds to 127.0.0.1, so clients must connect there. testcontainers would
 *   otherwise pick the bridge gateway when it runs inside a container (it checks /.dockerenv), where a
 *   loopback-bound port is refused;
 * - Ryuk's image cannot be pulled without a registry; the harness removes what it labelled instead.
 */
export function testcontainersEnv(env: Env = process.env): Record<string, string> {
  return {
    TESTCONTAINERS_HOST_OVERRIDE: env.TESTCONTAINERS_HOST_OVERRIDE ?? "127.0.0.1",
    TESTCONTAINERS_RYUK_DISABLED: env.TESTCONTAINERS_RYUK_DISABLED ?? "true",
  };
}
