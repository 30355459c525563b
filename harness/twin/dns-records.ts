import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DNS_LINES } from "../containers/dns-container.ts";
import { loggedSince } from "../containers/logged-since.ts";
import { run } from "../support/run.ts";
import { waitFor } from "../support/wait-for.ts";
import type { TwinAddresses } from "../components/component.ts";
import type { NameMap } from "./names.ts";

/** The resolver's hosts file of the deployed Route 53 zone. */
export const ROUTE53_RECORDS = "route53";

/** Each Route 53 name as the twin's resolver answers it: the fixed address of the stand-in it leads to. */
export function twinRecords(names: NameMap, addresses: TwinAddresses): Record<string, string> {
  const addressOf = { edge: addresses.edge, api: addresses.app };
  return Object.fromEntries(Object.entries(names.targets).map(([name, target]) => [name, addressOf[target]]));
}

/** The records as a hosts file, one line per name, in a stable order. */
export function hostsFileOf(records: Readonly<Record<string, string>>): string {
  const lines = Object.entries(records)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, address]) => `${address} ${name}`);
  return `# The deployed Route 53 zone, as the twin's resolver answers it (written by env:up)\n${lines.join("\n")}\n`;
}

/**
 * Writes the zone's records into the resolver's directory (whole, by a rename) and has the running
 * resolver read them again (SIGHUP), then waits until its log says it has.
 */
export async function publishRecords(
  resolverId: string,
  recordsDir: string,
  records: Readonly<Record<string, string>>,
): Promise<void> {
  mkdirSync(recordsDir, { recursive: true });
  const since = Math.floor(Date.now() / 1000) - 1;
  // Written beside the directory and renamed in: the resolver watches the directory and would try a
  // half-written file.
  const staged = `${recordsDir}-${ROUTE53_RECORDS}.tmp`;
  writeFileSync(staged, hostsFileOf(records));
  renameSync(staged, join(recordsDir, ROUTE53_RECORDS));
  const signalled = await run("docker", ["kill", "--signal", "HUP", resolverId]);
  if (signalled.code !== 0)
    throw new Error(`cannot have the resolver read its records again: ${signalled.stderr.trim()}`);
  const read = DNS_LINES.read(ROUTE53_RECORDS);
  await waitFor(
    "the twin's resolver to read the Route 53 records",
    async () => ((await loggedSince(resolverId, since, read)) ? true : undefined),
    15_000,
  );
}
