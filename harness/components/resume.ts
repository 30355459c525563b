import { formatMs } from "../support/progress.ts";
import { run } from "../support/run.ts";
import type { FoundContainer } from "../twin/survey.ts";

/** A started container as the rest of the start-up uses it: by its id. */
export interface TwinContainer {
  getId(): string;
}

/**
 * How an instance came to be running at the end of env:up: `started` in a fresh environment; `kept` as it
 * was running; `resumed`, a stopped container started again; `rebuilt`, its container was missing or
 * could not be kept, and a new one was made.
 */
export type Outcome = "started" | "kept" | "resumed" | "rebuilt";

interface Entry {
  readonly what: string;
  readonly outcome?: Outcome;
  readonly why?: string;
  readonly ms: number;
}

/**
 * What env:up found of an environment, and what it did with each instance and each rebuilt piece of
 * state (the stacks, the bucket's content): env:up prints it when it resumed or repaired.
 */
export class ResumeLog {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly found: Readonly<Record<string, FoundContainer>>,
    /** True when the environment had been up before with this data (env:up resumes or repairs it). */
    readonly resuming: boolean,
  ) {}

  foundOf(instance: string): FoundContainer | undefined {
    return this.found[instance];
  }

  outcomeOf(instance: string): Outcome | undefined {
    return this.entries.get(instance)?.outcome;
  }

  record(instance: string, outcome: Outcome, ms: number, why?: string): void {
    this.entries.set(instance, { what: instance, outcome, ms, ...(why ? { why } : {}) });
  }

  /** A piece of state that is not a container (the stacks, the bucket): what was done, and why. */
  note(key: string, what: string, ms: number): void {
    this.entries.set(key, { what, ms });
  }

  /** One line per instance and note, e.g. "database  resumed (it had exited)  1.2 s". */
  describe(): string[] {
    return [...this.entries.entries()].map(([key, entry]) =>
      entry.outcome
        ? `${key.padEnd(9)} ${entry.outcome}${entry.why ? ` (${entry.why})` : ""}${entry.ms > 0 ? `  ${formatMs(entry.ms)}` : ""}`
        : `${key.padEnd(9)} ${entry.what}  ${formatMs(entry.ms)}`,
    );
  }
}

export interface Resumable {
  /** Makes a new container, as a fresh start does, and resolves once it is ready. */
  start(): Promise<TwinContainer>;
  /** Resolves once the container, started again, is ready. */
  ready(id: string, signal: AbortSignal): Promise<void>;
  /** Why a container that exists cannot be kept or started again (what it depends on was replaced). */
  replaceBecause?: string;
}

const adopted = (id: string): TwinContainer => ({ getId: () => id });

/**
 * Brings one instance up: a running container is kept once it is ready, an exited one is started again
 * and waited for, and a missing one (or one that must be replaced, or was only created by an env:up that
 * was killed) is made anew. The outcome goes to the log.
 */
export async function startOrResume(
  log: ResumeLog,
  instance: string,
  how: Resumable,
  signal: AbortSignal,
): Promise<TwinContainer> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const found = log.foundOf(instance);
  if (found && !how.replaceBecause && found.state === "running") {
    // Running is not ready: an env:up killed mid-start leaves an instance still booting (or waiting for
    // its egress guard), so a kept one is waited for as a restarted one is.
    await how.ready(found.id, signal);
    log.record(instance, "kept", elapsed(), "it was running");
    return adopted(found.id);
  }
  if (found && !how.replaceBecause && found.state === "exited") {
    const restarted = await run("docker", ["start", found.id]);
    if (restarted.code === 0) {
      await how.ready(found.id, signal);
      log.record(instance, "resumed", elapsed(), "it had exited");
      return adopted(found.id);
    }
    return rebuild(log, instance, how, found, `docker start refused: ${restarted.stderr.trim()}`, started);
  }
  if (found)
    return rebuild(log, instance, how, found, how.replaceBecause ?? `it was ${found.state}`, started);
  const container = await how.start();
  log.record(
    instance,
    log.resuming ? "rebuilt" : "started",
    elapsed(),
    log.resuming ? "it was missing" : undefined,
  );
  return container;
}

async function rebuild(
  log: ResumeLog,
  instance: string,
  how: Resumable,
  found: FoundContainer,
  why: string,
  started: number,
): Promise<TwinContainer> {
  const removed = await run("docker", ["rm", "-f", "-v", found.id]);
  if (removed.code !== 0 && !/No such container/i.test(removed.stderr))
    throw new Error(
      `cannot remove the ${instance} container ${found.id} to replace it: ${removed.stderr.trim()}`,
    );
  const container = await how.start();
  log.record(instance, "rebuilt", performance.now() - started, why);
  return container;
}
