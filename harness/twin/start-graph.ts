import { formatMs, say } from "../support/progress.ts";

/** One step as it ran: when it started and ended (ms since the graph began), and what it waited for. */
export interface StepRecord {
  readonly id: string;
  readonly component: string;
  readonly what: string;
  readonly needs: readonly string[];
  readonly startedMs: number;
  readonly endedMs: number;
}

export interface StepSpec<O, K extends keyof O, N extends keyof O> {
  /** The component the step belongs to, as progress lines name it: `[component] what: 1.2 s`. */
  readonly component: string;
  readonly what: string;
  /** The steps whose results this one takes; it starts the moment the last of them is done. */
  readonly needs?: readonly N[];
  /** Timed and kept for the critical path, but not printed (image look-ups, certificates). */
  readonly quiet?: boolean;
  readonly run: (inputs: Pick<O, N>, signal: AbortSignal) => Promise<O[K]>;
}

/**
 * Start-up as a graph of steps keyed by what they produce: each step declares the results it needs and
 * runs as soon as they are ready, so independent paths overlap without anyone ordering them by hand.
 * A step that fails aborts the graph's signal, which every later step and every poll listening to it
 * sees; `settled()` waits until nothing is running any more, so a cleanup never races a start.
 */
export class StartGraph<O> {
  private readonly results = new Map<keyof O, Promise<unknown>>();
  private readonly records = new Map<keyof O, StepRecord>();
  private readonly began = performance.now();
  private readonly stop = new AbortController();

  constructor(outer?: AbortSignal) {
    if (outer?.aborted) this.stop.abort(outer.reason);
    outer?.addEventListener("abort", () => this.stop.abort(outer.reason), { once: true });
  }

  get signal(): AbortSignal {
    return this.stop.signal;
  }

  /** Adds a step; the steps it needs must have been added before (so the graph cannot have a cycle). */
  add<K extends keyof O, N extends keyof O = never>(id: K, spec: StepSpec<O, K, N>): Promise<O[K]> {
    if (this.results.has(id)) throw new Error(`the start-up step ${String(id)} is defined twice`);
    const needs = spec.needs ?? [];
    const inputs = needs.map((need) => {
      const result = this.results.get(need);
      if (!result)
        throw new Error(`the step ${String(id)} needs ${String(need)}, which is not defined before it`);
      return result;
    });
    const result = Promise.all(inputs).then((values) =>
      this.runStep(id, spec, Object.fromEntries(needs.map((need, i) => [need, values[i]])) as Pick<O, N>),
    );
    result.catch((error: unknown) => {
      if (!this.stop.signal.aborted) this.stop.abort(error);
    });
    this.results.set(id, result);
    return result;
  }

  /** A step's result (it must be defined). */
  get<K extends keyof O>(id: K): Promise<O[K]> {
    const result = this.results.get(id);
    if (!result) throw new Error(`no start-up step ${String(id)}`);
    return result as Promise<O[K]>;
  }

  /** Resolves once every step has ended, whether it succeeded or failed. */
  async settled(): Promise<void> {
    await Promise.allSettled(this.results.values());
  }

  /** Each step's own time, keyed `component: what`, for the notes and the benchmarks. */
  timings(): Record<string, number> {
    return Object.fromEntries(
      [...this.records.values()].map((step) => [
        `${step.component}: ${step.what}`,
        Math.round(step.endedMs - step.startedMs),
      ]),
    );
  }

  elapsedMs(): number {
    return performance.now() - this.began;
  }

  /**
   * The chain of steps that decided when `last` ended: from it, back through the need that ended last,
   * to a step that waited for nothing.
   */
  criticalPath(last: keyof O): StepRecord[] {
    const path: StepRecord[] = [];
    for (let step = this.records.get(last); step;) {
      path.unshift(step);
      const gating = step.needs
        .map((need) => this.records.get(need as keyof O))
        .filter((record): record is StepRecord => record !== undefined)
        .sort((a, b) => b.endedMs - a.endedMs)[0];
      step = gating;
    }
    return path;
  }

  private async runStep<K extends keyof O, N extends keyof O>(
    id: K,
    spec: StepSpec<O, K, N>,
    inputs: Pick<O, N>,
  ): Promise<O[K]> {
    const signal = this.stop.signal;
    signal.throwIfAborted();
    const startedMs = this.elapsedMs();
    const value = await spec.run(inputs, signal);
    const endedMs = this.elapsedMs();
    const needs = (spec.needs ?? []).map(String);
    this.records.set(id, {
      id: String(id),
      component: spec.component,
      what: spec.what,
      needs,
      startedMs,
      endedMs,
    });
    if (!spec.quiet)
      say(`[${spec.component}] ${spec.what}: ${formatMs(endedMs - startedMs)} (at ${formatMs(endedMs)})`);
    signal.throwIfAborted();
    return value;
  }
}

/** The critical path as env:up prints it: one line a step, with its own time and when it ended. */
export function describeCriticalPath(path: readonly StepRecord[]): string {
  const total = path.at(-1)?.endedMs ?? 0;
  const lines = path.map(
    (step) =>
      `  ${formatMs(step.endedMs - step.startedMs).padStart(8)}  ends at ${formatMs(step.endedMs).padStart(7)}  [${step.component}] ${step.what}`,
  );
  return [`critical path (${formatMs(total)}): each step waited for the one above it`, ...lines].join("\n");
}
