import { loadConfig } from "../config.ts";
import { ImageResolver } from "../images/image-resolver.ts";
import { LABEL_OWNER } from "../support/cleanup.ts";
import { run } from "../support/run.ts";
import type { Environment } from "../twin/environment-state.ts";

/**
 * Runs a Node script in a throwaway container (the edge image's Node) inside a twin container's network
 * namespace, as that container would reach what it reaches, with the environment's CA at /ca.pem and
 * `input` on stdin (as JSON: no value on a command line). Resolves with the script's last line of
 * output; fails with its error output, `secret` (if given) scrubbed from it.
 */
export async function nodeInNamespaceOf(
  environment: Environment,
  container: string,
  script: string,
  input: unknown,
  secret?: string,
): Promise<string> {
  const image = await new ImageResolver(loadConfig()).resolve("edge");
  const result = await run(
    "docker",
    [
      "run",
      "--rm",
      "-i",
      "--network",
      `container:${container}`,
      "--label",
      `${LABEL_OWNER}=${environment.owner}`,
      "-v",
      `${environment.caFile}:/ca.pem:ro`,
      image.reference,
      "node",
      "-e",
      script,
    ],
    { input: JSON.stringify(input) },
  );
  if (result.code !== 0) {
    const error = result.stderr.trim();
    throw new Error(secret ? error.split(secret).join("<secret>") : error);
  }
  return result.stdout.trim().split("\n").at(-1) ?? "";
}
