import type { HarnessConfig } from "../config.ts";
import { HarnessError } from "../errors.ts";
import { ensureCommand } from "./host.ts";

/**
 * Debian's Chromium, the browser the scenarios drive with playwright-core: found on PATH, or installed
 * from the distribution's packages on a Debian/Ubuntu host as root (unless HARNESS_AUTO_INSTALL=never).
 */
export function ensureChromium(config: HarnessConfig, signal?: AbortSignal): Promise<string> {
  return ensureCommand(
    config.autoInstall,
    {
      names: ["chromium", "chromium-browser"],
      packages: ["chromium"],
      missing: () =>
        new HarnessError(
          "Chromium is not installed; the browser scenario drives it",
          "apt-get install chromium (Debian), or put a chromium binary on PATH",
        ),
    },
    signal,
  );
}
