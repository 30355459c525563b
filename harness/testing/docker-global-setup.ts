import { randomUUID } from "node:crypto";
import type { TestProject } from "vitest/node";
import { loadConfig } from "../config.ts";
import { ensureEngine } from "../engine/docker-engine.ts";
import { ImageResolver } from "../images/image-resolver.ts";
import { LABEL_OWNER, removeLabelled } from "../support/cleanup.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Image references by component, resolved once for the whole run. */
    images: Record<string, string>;
    /** Owner label value of this run: every container a test starts carries it. */
    runOwner: string;
  }
}

/**
 * Once per test run: make sure an engine answers, resolve every image (building offline where no
 * registry answers), and afterwards remove everything labelled with this run, even after failures.
 * Ryuk cannot be pulled here, so this teardown is what guarantees nothing is left running.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const config = loadConfig();
  await ensureEngine(config);
  const resolved = await new ImageResolver(config).resolveAll();
  const runOwner = `test-${randomUUID().slice(0, 8)}`;
  project.provide(
    "images",
    Object.fromEntries(Object.values(resolved).map((image) => [image.component, image.reference])),
  );
  project.provide("runOwner", runOwner);
  return async () => {
    await removeLabelled(LABEL_OWNER, runOwner);
  };
}
