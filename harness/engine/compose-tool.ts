import type { HarnessConfig } from "../config.ts";
import { EngineError } from "../errors.ts";
import { ensureCommand } from "../support/host.ts";

/**
 * The docker-compose command for the twin's docker-compose.yml: `docker-compose` (v1.29, Debian's
 * package) when present; installed on a Debian/Ubuntu host as root unless HARNESS_AUTO_INSTALL=never.
 */
export function ensureCompose(config: HarnessConfig, signal?: AbortSignal): Promise<string> {
  return ensureCommand(
    config.autoInstall,
    {
      names: ["docker-compose"],
      packages: ["docker-compose"],
      missing: () =>
        new EngineError(
          "docker-compose is not installed",
          "install it (apt-get install docker-compose, or Docker's compose plugin and an alias), or use npm run env:up",
        ),
    },
    signal,
  );
}
