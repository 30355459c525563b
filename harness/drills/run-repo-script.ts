import { join } from "node:path";
import { REPO_ROOT } from "../config.ts";
import { run, type RunResult } from "../support/run.ts";

/**
 * Runs one of the repository's TypeScript entry points (the harness CLI, the smoke CLI) with the
 * repository's tsx, from the repository's root, as a user would; `env` is added to this process's.
 */
export function runRepoScript(
  script: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<RunResult> {
  return run(join(REPO_ROOT, "node_modules", ".bin", "tsx"), [script, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
  });
}
