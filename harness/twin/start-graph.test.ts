import { describe, expect, it } from "vitest";
import { StartGraph } from "./start-graph.ts";

interface Steps {
  a: number;
  b: number;
  c: number;
  d: string;
}

/** A promise settled from the outside, so each test decides the order steps end in. */
function gate<T>(): { promise: Promise<T>; open: (value: T) => void; fail: (error: Error) => void } {
  let open!: (value: T) => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

const quiet = { quiet: true } as const;

describe("StartGraph", () => {
  it("starts a step only once every step it needs is done, with their results", async () => {
    const graph = new StartGraph<Steps>();
    const a = gate<number>();
    const b = gate<number>();
    const started: string[] = [];
    graph.add("a", { ...quiet, component: "t", what: "a", run: () => (started.push("a"), a.promise) });
    graph.add("b", { ...quiet, component: "t", what: "b", run: () => (started.push("b"), b.promise) });
    const c = graph.add("c", {
      ...quiet,
      component: "t",
      what: "c",
      needs: ["a", "b"],
      run: async (inputs) => (started.push("c"), inputs.a * 10 + inputs.b),
    });
    await Promise.resolve();
    expect(started).toEqual(["a", "b"]);
    a.open(4);
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(["a", "b"]);
    b.open(2);
    await expect(c).resolves.toBe(42);
    expect(started).toEqual(["a", "b", "c"]);
  });

  it("refuses a need that is not defined before the step (so there is no cycle)", () => {
    const graph = new StartGraph<Steps>();
    expect(() => graph.add("c", { component: "t", what: "c", needs: ["a"], run: async () => 1 })).toThrow(
      /needs a, which is not defined before it/,
    );
  });

  it("aborts its signal with the first failure; steps waiting on it never run", async () => {
    const graph = new StartGraph<Steps>();
    const failure = new Error("the image did not build");
    const a = gate<number>();
    let ranC = false;
    let seenAbort: unknown;
    graph.add("a", { ...quiet, component: "t", what: "a", run: () => a.promise });
    graph.add("b", {
      ...quiet,
      component: "t",
      what: "b",
      run: (_, signal) =>
        new Promise<number>((_resolve, reject) =>
          signal.addEventListener("abort", () => reject((seenAbort = signal.reason) as Error)),
        ),
    });
    const c = graph.add("c", {
      ...quiet,
      component: "t",
      what: "c",
      needs: ["a"],
      run: async () => ((ranC = true), 1),
    });
    a.fail(failure);
    await expect(c).rejects.toBe(failure);
    await graph.settled();
    expect(ranC).toBe(false);
    expect(graph.signal.reason).toBe(failure);
    expect(seenAbort).toBe(failure);
  });

  it("stops before any step when the outer signal is aborted", async () => {
    const outer = new AbortController();
    const reason = new Error("interrupted");
    outer.abort(reason);
    const graph = new StartGraph<Steps>(outer.signal);
    let ran = false;
    const a = graph.add("a", { ...quiet, component: "t", what: "a", run: async () => ((ran = true), 1) });
    await expect(a).rejects.toBe(reason);
    expect(ran).toBe(false);
  });

  it("follows the need that ended last back to the start: the critical path", async () => {
    const graph = new StartGraph<Steps>();
    const slow = gate<number>();
    graph.add("a", { ...quiet, component: "t", what: "fast", run: async () => 1 });
    graph.add("b", { ...quiet, component: "t", what: "slow", run: () => slow.promise });
    graph.add("c", { ...quiet, component: "t", what: "joins", needs: ["a", "b"], run: async () => 3 });
    const d = graph.add("d", { ...quiet, component: "t", what: "last", needs: ["c"], run: async () => "d" });
    await new Promise((resolve) => setImmediate(resolve));
    slow.open(2);
    await d;
    expect(graph.criticalPath("d").map((step) => step.what)).toEqual(["slow", "joins", "last"]);
    expect(Object.keys(graph.timings())).toEqual(expect.arrayContaining(["t: fast", "t: slow", "t: last"]));
  });
});
