import { say } from "../support/progress.ts";
import { run } from "../support/run.ts";
import { BENCH_COMPONENTS, COMPONENTS } from "./catalog.ts";
import { debianBase } from "./debian-base.ts";
import { LABEL_COMPONENT } from "./docker-cli.ts";
import type { ImageResolver } from "./image-resolver.ts";

/** Tags the harness built earlier that no current recipe produces (each recipe change makes a new tag). */
export async function staleTags(resolver: ImageResolver): Promise<string[]> {
  const current = new Set<string>();
  for (const component of [...COMPONENTS, ...BENCH_COMPONENTS]) {
    current.add(resolver.localTag(component).tag);
    current.add(debianBase(resolver.spec(component).base).tag);
  }
  const listed = await run("docker", [
    "images",
    "--filter",
    `label=${LABEL_COMPONENT}`,
    "--format",
    "{{.Repository}}:{{.Tag}}",
  ]);
  return listed.stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((tag) => tag.startsWith("threadcast-harness/") && !current.has(tag));
}

/** Removes the stale tags; says what it removed and what it could not. */
export async function pruneStale(resolver: ImageResolver): Promise<void> {
  for (const tag of await staleTags(resolver)) {
    const removed = await run("docker", ["image", "rm", tag]);
    say(
      removed.code === 0
        ? `[images] removed stale ${tag}`
        : `[images] could not remove ${tag}: ${removed.stderr.trim()}`,
    );
  }
}
