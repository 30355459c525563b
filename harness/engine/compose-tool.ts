import type { HarnessConfig } from "../config.ts";
import { EngineError } from "../errors.ts";
import { aptInstall, findExecutable, isRoot, osIds } from "../support/host.ts";

/**
 * The docker-compose command for the twin's docker-compose.yml: `docker-compose` (v1.29, Debian's
 * package) when present; installed on a Debian/Ubuntu host as root unless HARNESS_AUTO_INSTALL=never.
 */
export async function ensureCompose(config: HarnessConfig, signal?: AbortSignal): Promise<string> {
  const found = findExecutable("docker-compose");
  if (found) return found;
  if (config.autoInstall === "auto" && isRoot() && osIds().some((id) => id === "debian" || id === "ubuntu")) {
    await aptInstall(["docker-compose"], signal);
    const installed = findExecutable("docker-compose");
    if (installed) return installed;
  }
  throw new EngineError(
    "docker-compose is not installed",
    "install it (apt-get install docker-compose, or Docker's compose plugin and an alias), or use npm run env:up",
  );
}
