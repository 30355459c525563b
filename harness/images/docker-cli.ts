import { run, type RunOptions } from "../support/run.ts";

/** Labels the harness puts on every image it builds, so a foreign or stale image under our tag is noticed. */
export const LABEL_RECIPE = "io.threadcast.harness.recipe";
export const LABEL_COMPONENT = "io.threadcast.harness.component";

export interface ImageFacts {
  readonly id: string;
  readonly sizeBytes: number;
  readonly labels: Readonly<Record<string, string>>;
}

/** Facts about a local image, or undefined when no image has that reference. */
export async function inspectImage(
  reference: string,
  options: RunOptions = {},
): Promise<ImageFacts | undefined> {
  const result = await run(
    "docker",
    ["image", "inspect", "--format", "{{json .Id}} {{json .Size}} {{json .Config.Labels}}", reference],
    options,
  );
  if (result.code !== 0) return undefined;
  const [id, size, labels] = result.stdout.trim().split(" ", 3);
  return {
    id: JSON.parse(id ?? '""') as string,
    sizeBytes: Number(size),
    labels: (JSON.parse(labels ?? "null") as Record<string, string> | null) ?? {},
  };
}

/** Removes one tag (the image itself goes only when nothing else refers to it). */
export async function untag(reference: string, options: RunOptions = {}): Promise<boolean> {
  const result = await run("docker", ["image", "rm", reference], options);
  return result.code === 0;
}

export function formatBytes(bytes: number): string {
  return bytes >= 1024 ** 3
    ? `${(bytes / 1024 ** 3).toFixed(2)} GiB`
    : `${Math.round(bytes / 1024 ** 2)} MiB`;
}
