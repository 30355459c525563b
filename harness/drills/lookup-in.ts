import { readFileSync } from "node:fs";
import { run } from "../support/run.ts";

/**
 * A name looked up inside a twin container, as its programs look it up (the C library, through
 * Docker's embedded DNS and the twin's resolver): its IPv4 addresses, or none when it does not resolve.
 */
export async function lookupIn(containerId: string, name: string): Promise<string[]> {
  const found = await run("docker", ["exec", containerId, "getent", "ahostsv4", name]);
  // getent exits 2 when the name is unknown: an answer, not a failure of the drill.
  if (found.code === 2) return [];
  if (found.code !== 0) throw new Error(`getent in ${containerId} failed: ${found.stderr.trim()}`);
  return [
    ...new Set(
      found.stdout
        .split("\n")
        .map((line) => line.split(/\s+/)[0] ?? "")
        .filter(Boolean),
    ),
  ];
}

const FETCH_PY = `import ssl, sys, urllib.request
context = ssl.create_default_context(cadata=sys.stdin.read())
with urllib.request.urlopen(sys.argv[1], context=context, timeout=10) as answer:
    print(answer.status)`;

/**
 * An HTTPS GET from inside the instance (its Python), verified against the environment's CA only:
 * the status it answered, or the error that stopped it.
 */
export async function httpsStatusFromInstance(
  containerId: string,
  url: string,
  caFile: string,
): Promise<{ status?: number; error?: string }> {
  const fetched = await run("docker", ["exec", "-i", containerId, "python3", "-c", FETCH_PY, url], {
    input: readFileSync(caFile, "utf8"),
  });
  if (fetched.code === 0) return { status: Number(fetched.stdout.trim()) };
  return { error: fetched.stderr.trim().split("\n").at(-1) ?? "" };
}
