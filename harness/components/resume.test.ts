import { describe, expect, it } from "vitest";
import { ResumeLog, startOrResume } from "./resume.ts";

const never = () => Promise.reject(new Error("must not be called"));
const signal = new AbortController().signal;

describe("startOrResume", () => {
  it("keeps a running container without starting anything, once it answers ready", async () => {
    const log = new ResumeLog({ app: { id: "abc123", state: "running" } }, true);
    const waited: string[] = [];
    const ready = async (id: string) => void waited.push(id);
    const container = await startOrResume(log, "app", { start: never, ready }, signal);
    expect(container.getId()).toBe("abc123");
    expect(waited).toEqual(["abc123"]);
    expect(log.outcomeOf("app")).toBe("kept");
  });

  it("fails with the readiness error when a running container never gets ready, recording nothing", async () => {
    const log = new ResumeLog({ app: { id: "abc123", state: "running" } }, true);
    const ready = () => Promise.reject(new Error("the app container was not ready within 3 min"));
    await expect(startOrResume(log, "app", { start: never, ready }, signal)).rejects.toThrow(/not ready/);
    expect(log.outcomeOf("app")).toBeUndefined();
  });

  it("starts a missing instance: rebuilt when resuming, started in a fresh environment", async () => {
    const resuming = new ResumeLog({}, true);
    const started = { getId: () => "new-1" };
    const start = () => Promise.resolve(started);
    expect(await startOrResume(resuming, "edge", { start, ready: never }, signal)).toBe(started);
    expect(resuming.outcomeOf("edge")).toBe("rebuilt");
    const fresh = new ResumeLog({}, false);
    await startOrResume(fresh, "edge", { start, ready: never }, signal);
    expect(fresh.outcomeOf("edge")).toBe("started");
    expect(fresh.describe()[0]).toMatch(/^edge\s+started/);
  });

  it("describes each instance and each note with what was done and why", () => {
    const log = new ResumeLog({}, true);
    log.record("database", "resumed", 1234, "it had exited");
    log.note("stacks", "deployed again", 25_000);
    expect(log.describe()).toEqual([
      expect.stringMatching(/^database\s+resumed \(it had exited\)\s+1\.2 s$/),
      expect.stringMatching(/^stacks\s+deployed again\s+25(\.0)? s$/),
    ]);
  });
});
