import type { HarnessConfig } from "../config.ts";
import { HarnessError } from "../errors.ts";
import { aptInstall, findExecutable, isRoot, osIds } from "./host.ts";

/**
 * Debian's Chromium, the browser the scenarios drive with playwright-core: found on PATH, or installed
 * from the distribution's packages on a Debian/Ubuntu host as root (unless HARNESS_AUTO_INSTALL=never).
 */
export async function ensureChromium(config: HarnessConfig, signal?: AbortSignal): Promise<string> {
  const found = findExecutable("chromium") ?? findExecutable("chromium-browser");
  if (found) return found;
  if (config.autoInstall === "auto" && isRoot() && osIds().some((id) => id === "debian" || id === "ubuntu")) {
    await aptInstall(["chromium"], signal);
    const installed = findExecutable("chromium");
    if (installed) return installed;
  }
  throw new HarnessError(
    "Chromium is not installed; the browser scenario drives it",
    "apt-get install chromium (Debian), or put a chromium binary on PATH",
  );
}
