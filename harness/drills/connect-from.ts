import { run } from "../support/run.ts";

/**
 * A TCP connect from inside a twin container (bash's /dev/tcp), as any program's connect: whether it
 * connected, or the error it got (an egress guard's refusal reads "Connection refused" at once).
 */
export async function connectFrom(
  containerId: string,
  address: string,
  port: number,
): Promise<{ connected: boolean; error?: string }> {
  const tried = await run(
    "docker",
    ["exec", containerId, "timeout", "10", "bash", "-c", 'exec 3<>"/dev/tcp/$0/$1"', address, String(port)],
    { timeoutMs: 20_000 },
  );
  if (tried.code === 0) return { connected: true };
  return { connected: false, error: tried.stderr.trim().split("\n").at(-1) ?? `exit ${tried.code}` };
}
