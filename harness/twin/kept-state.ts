import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { Replacement } from "../cdk/template-rewrite.ts";

/**
 * What an environment keeps between runs so that a resume brings back the values its running parts and
 * its kept data depend on. The emulator forgets everything when it stops (LocalStack community has no
 * persistence), so a redeploy generates new secrets and a new Elastic IP: these are put back instead.
 */
export interface KeptState {
  /** When the environment first came up with this data. */
  readonly since: string;
  /** The deployed secrets' values: the database's master password and the app's JWT key. */
  readonly secrets: {
    readonly databasePassword: string;
    readonly jwt: string;
    /** Phase 2: the replication role's password (the standby's pgpass holds it). */
    readonly replication?: string;
    /** Phase 2: the broker's secret as deployed (its user file and the instances' environment hold it). */
    readonly broker?: string;
  };
  /** What the stand-ins gave the removed resources (the Elastic IP's address), by stack and logical id. */
  readonly replacements: Readonly<Record<string, Readonly<Record<string, Replacement>>>>;
}

/**
 * The kept state lives in the environment's directory, under kept/ (mode 0700, the file 0600: it holds
 * the two secrets, readable by nobody but the owner). Plain env:down removes it with the rest;
 * `env:down --keep-data` leaves it beside the database's volume.
 */
export const keptDir = (envDir: string) => join(envDir, "kept");
const keptFile = (envDir: string) => join(keptDir(envDir), "kept.json");

export function readKept(envDir: string): KeptState | undefined {
  const file = keptFile(envDir);
  if (!existsSync(file)) return undefined;
  try {
    const kept = JSON.parse(readFileSync(file, "utf8")) as Partial<KeptState>;
    if (!kept.secrets?.databasePassword || !kept.secrets.jwt || !kept.since) return undefined;
    return { since: kept.since, secrets: kept.secrets, replacements: kept.replacements ?? {} };
  } catch {
    // A file cut short by a killed run: as if nothing was kept (what it would hold is rebuilt).
    return undefined;
  }
}

/** Writes the kept state atomically (a temporary file renamed over it), readable by the owner only. */
export function writeKept(envDir: string, kept: KeptState): void {
  const dir = keptDir(envDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const temporary = `${keptFile(envDir)}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(kept, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, keptFile(envDir));
}

/** Empties the environment's directory except what it keeps between runs. */
export function clearExceptKept(envDir: string): void {
  if (!existsSync(envDir)) return;
  for (const entry of readdirSync(envDir)) {
    if (entry !== "kept") rmSync(join(envDir, entry), { recursive: true, force: true });
  }
}
