import { mkdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { afterEach, inject } from "vitest";
import { REPO_ROOT } from "../../harness/config.ts";
import { COMPONENTS, instancesOf } from "../../harness/components/registry.ts";
import { containerLogs } from "../../harness/drills/container-logs.ts";
import { shapeOf } from "../../harness/twin/environment-state.ts";
import { currentTwin } from "./current-twin.ts";

/**
 * When a scenario fails, the twin's container logs are attached: each component's last lines are saved
 * under reports/scenario-logs/<file>/<test>/, and the app's and the proxy's tails are printed (so they
 * land in the JUnit report's output too).
 */
// Hooks take the test context destructured: the scenarios' `test` has fixtures, and vitest reads
// every hook's first parameter for the fixtures it names.
afterEach(async ({ task }) => {
  if (task.result?.state !== "fail") return;
  const environment = currentTwin(inject("twin"));
  const slug = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, "-").slice(0, 80);
  const dir = join(
    REPO_ROOT,
    "reports",
    "scenario-logs",
    slug(basename(task.file?.name ?? "scenario")),
    slug(task.name),
  );
  mkdirSync(dir, { recursive: true });
  const tails: string[] = [];
  for (const { name: component, kind } of instancesOf(COMPONENTS, shapeOf(environment))) {
    const container = environment.containers[component];
    if (container === undefined) continue;
    const logs = await containerLogs(container, { tail: 300, timestamps: true });
    const text = logs.stdout + logs.stderr;
    writeFileSync(join(dir, `${component}.log`), text);
    if (kind.tailOnFailure)
      tails.push(`--- ${component} (last 20 lines) ---\n${text.trim().split("\n").slice(-20).join("\n")}`);
  }
  console.error(`[scenarios] container logs attached: ${dir}\n${tails.join("\n")}`);
});
