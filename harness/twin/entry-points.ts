import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { HarnessError } from "../errors.ts";
import { processAlive } from "../support/process-alive.ts";

/** A port on this machine that the twin needs and something else already holds. */
export class PortInUseError extends HarnessError {}

/** Where a stand-in is reached from this machine: its own loopback address, with the ports AWS uses. */
export interface EntryPoint {
  readonly address: string;
  readonly ports: readonly number[];
}

export interface EntryPoints {
  /** The CloudFront stand-in: 80 (redirect) and 443. */
  readonly edge: EntryPoint;
  /** The EC2 instance's Elastic IP: 80 and 443 (nginx) and 8080 (the app, open in its security group). */
  readonly api: EntryPoint;
  /** The AWS emulator's gateway (LocalStack's 4566), for the harness, the AWS CLI and the SDKs. */
  readonly emulator: EntryPoint;
}

/** The environment name of the docker-compose twin; its entry points are fixed in docker-compose.yml. */
export const COMPOSE_ENV = "compose";

const FIRST_OCTET = 10;
const OCTETS = 240;

/** The third octet an environment name hashes to: its entry points' home, unless another holds it. */
export function homeOctet(name: string): number {
  return FIRST_OCTET + (createHash("sha256").update(name).digest().readUInt16BE(0) % OCTETS);
}

/**
 * The entry points on one third octet. Each stand-in gets its own address in 127.88.0.0/16 (every 127/8
 * address is loopback on Linux), so URLs keep their real ports (https://threadcast.io, not :8443).
 */
export function entryPointsAt(octet: number): EntryPoints {
  return {
    edge: { address: `127.88.${octet}.1`, ports: [80, 443] },
    api: { address: `127.88.${octet}.2`, ports: [80, 443, 8080] },
    emulator: { address: `127.88.${octet}.3`, ports: [4566] },
  };
}

/** An environment's entry points at its home octet (where the compose twin always is). */
export const entryPoints = (name: string): EntryPoints => entryPointsAt(homeOctet(name));

/** Whether something accepts connections at address:port (a loopback probe; nothing is sent). */
function answers(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** The entry-point ports that something already accepts connections on, as address:port. */
export async function takenPorts(points: EntryPoints): Promise<string[]> {
  const all = Object.values(points) as EntryPoint[];
  const probes = all.flatMap((point) =>
    point.ports.map(async (port) => ((await answers(point.address, port)) ? `${point.address}:${port}` : "")),
  );
  return (await Promise.all(probes)).filter((taken) => taken !== "");
}

function portInUse(name: string, points: EntryPoints, taken: readonly string[]): PortInUseError {
  const all = Object.values(points) as EntryPoint[];
  const wanted = all.flatMap((point) => point.ports.map((port) => `${point.address}:${port}`));
  return new PortInUseError(
    `environment "${name}" needs ${wanted.join(", ")}; already in use: ${taken.join(", ")}`,
    `stop what listens there (a process bound to 0.0.0.0 on that port holds it on every loopback address), or pick another environment name: HARNESS_ENV=<name> npm run env:up`,
  );
}

/** Refuses to start when any entry point's port is taken, naming each one and what to do. */
export async function assertEntryPointsFree(name: string, points: EntryPoints): Promise<void> {
  const taken = await takenPorts(points);
  if (taken.length > 0) throw portInUse(name, points, taken);
}

/** What the allocator needs to know about other environments on this machine. */
export interface Neighbours {
  /** Whether the environment still has containers (a claim of a finished env:up lives while they do). */
  hasContainers(name: string): Promise<boolean>;
  /** The harness environment (by name) whose container publishes a port on this address, if any. */
  publisherOf(address: string): Promise<string | undefined>;
}

export interface Allocation {
  readonly points: EntryPoints;
  /** Other environments found on the home octet (and the ones after it) that made this one move on. */
  readonly movedPast: readonly { readonly octet: number; readonly holder: string }[];
}

interface Claim {
  readonly name: string;
  readonly pid: number;
}

const claimFile = (dir: string, octet: number) => join(dir, `${octet}.json`);

function readClaimText(dir: string, octet: number): string | undefined {
  try {
    return readFileSync(claimFile(dir, octet), "utf8");
  } catch {
    return undefined;
  }
}

function parseClaim(text: string | undefined): Claim | undefined {
  try {
    return text === undefined ? undefined : (JSON.parse(text) as Claim);
  } catch {
    return undefined;
  }
}

const readClaim = (dir: string, octet: number) => parseClaim(readClaimText(dir, octet));

/**
 * Gives an environment its entry points: its home octet (a hash of the name, so it keeps its addresses
 * across restarts) unless another harness environment holds it, in which case the next free octet, so two
 * environments never clash however their names hash. An octet is held by a claim (a file in `claimsDir`,
 * made atomically, naming the environment and the process starting it; it lasts while that process runs
 * or the environment has containers) or by a harness container publishing on its addresses. A port held by
 * anything else (not ours) is refused with the reason, as before: we never move away from a foreign
 * listener silently. The compose twin's octet is never given to another environment.
 */
export async function allocateEntryPoints(
  name: string,
  claimsDir: string,
  neighbours: Neighbours,
  resume: ResumeAt = {},
): Promise<Allocation> {
  mkdirSync(claimsDir, { recursive: true });
  const home = resume.octet ?? homeOctet(name);
  const reserved = name === COMPOSE_ENV ? -1 : homeOctet(COMPOSE_ENV);
  const movedPast: { octet: number; holder: string }[] = [];
  for (let step = 0; step < OCTETS; step += 1) {
    const octet = FIRST_OCTET + ((home - FIRST_OCTET + step) % OCTETS);
    if (octet === reserved) {
      movedPast.push({ octet, holder: `${COMPOSE_ENV} (reserved for docker-compose.yml)` });
      continue;
    }
    const holder = await claimOctet(name, claimsDir, octet, neighbours);
    if (holder !== undefined) {
      movedPast.push({ octet, holder });
      continue;
    }
    const points = entryPointsAt(octet);
    const taken = await takenPorts(points);
    if (taken.length === 0) return { points, movedPast };
    const [firstTaken = ""] = taken;
    const publisher = await neighbours.publisherOf(firstTaken.slice(0, firstTaken.lastIndexOf(":")));
    // A resumed environment's own running containers hold its ports: they are its entry points still.
    if (publisher === name && resume.own) return { points, movedPast };
    releaseEntryPoints(name, claimsDir);
    if (publisher === undefined || publisher === name) throw portInUse(name, points, taken);
    movedPast.push({ octet, holder: publisher });
  }
  throw new PortInUseError(
    `environment "${name}" found no free entry points: all ${OCTETS} address blocks 127.88.${FIRST_OCTET}-${FIRST_OCTET + OCTETS - 1}.* are held`,
    "take environments down that you no longer need: npm run env:status lists this one; docker ps --filter label=io.threadcast.harness.owner lists all",
  );
}

/** A resumed environment: the octet its containers were on is tried first, and its own ports are accepted. */
export interface ResumeAt {
  readonly octet?: number;
  readonly own?: boolean;
}

/** The octet of an environment's entry points (127.88.N.x). */
export const octetOf = (points: EntryPoints) => Number(points.edge.address.split(".")[2]);

/** Claims the octet for `name`; returns the other environment holding it instead, if any. */
async function claimOctet(
  name: string,
  dir: string,
  octet: number,
  neighbours: Neighbours,
): Promise<string | undefined> {
  const file = claimFile(dir, octet);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      writeFileSync(file, JSON.stringify({ name, pid: process.pid } satisfies Claim), { flag: "wx" });
      return undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const text = readClaimText(dir, octet);
    const claim = parseClaim(text);
    if (claim === undefined) continue; // released meanwhile, or not yet written: try again
    if (claim.name === name) {
      if (claim.pid !== process.pid && processAlive(claim.pid)) {
        throw new PortInUseError(
          `environment "${name}" is being started by another process (pid ${claim.pid})`,
          `wait for it, or stop it; then: HARNESS_ENV=${name} npm run env:status`,
        );
      }
      writeFileSync(file, JSON.stringify({ name, pid: process.pid } satisfies Claim));
      return undefined;
    }
    if (processAlive(claim.pid) || (await neighbours.hasContainers(claim.name))) return claim.name;
    // A stale claim (its env:up is gone and left nothing running): take it over, unless another start-up
    // took it over while the containers were being listed.
    if (readClaimText(dir, octet) === text) rmSync(file, { force: true });
  }
  return `a claim that keeps changing (${file})`;
}

/** Gives up every octet `name` claims (at env:down, or when a start-up fails). */
export function releaseEntryPoints(name: string, claimsDir: string): void {
  let files: string[];
  try {
    files = readdirSync(claimsDir).filter((file) => /^\d+\.json$/.test(file));
  } catch {
    return;
  }
  for (const file of files) {
    const octet = Number(file.replace(".json", ""));
    if (readClaim(claimsDir, octet)?.name === name) rmSync(claimFile(claimsDir, octet), { force: true });
  }
}
