import type Dockerode from "dockerode";
import { Wait, type GenericContainer, type StartedTestContainer, type WaitStrategy } from "testcontainers";
import { HarnessError } from "../errors.ts";
import type { LogTail } from "./log-tail.ts";
import { ProbeWait } from "./probe-wait.ts";

type BoundPorts = Parameters<WaitStrategy["waitUntilReady"]>[1];

/** A container that stopped (or was removed) before it was ready: its exit code and last log lines. */
export class ContainerExitedError extends HarnessError {}

/**
 * A readiness wait as testcontainers' strategies should all behave: it fails the moment its container
 * exits, with the container's last log lines, and the moment the start-up is interrupted; and when it
 * ends either way, the probe it wraps stops polling too.
 */
export class ExitAwareWait implements WaitStrategy {
  constructor(
    private readonly inner: WaitStrategy,
    private readonly signal: AbortSignal,
    private readonly name: string,
    private readonly logs?: LogTail,
  ) {}

  async waitUntilReady(
    container: Dockerode.Container,
    boundPorts: BoundPorts,
    startTime?: Date,
  ): Promise<void> {
    this.signal.throwIfAborted();
    const done = new AbortController();
    if (this.inner instanceof ProbeWait) this.inner.withSignal(AbortSignal.any([done.signal, this.signal]));
    const aborted = new Promise<never>((_, reject) => {
      const onAbort = () => reject(this.signal.reason as Error);
      this.signal.addEventListener("abort", onAbort, { once: true });
      done.signal.addEventListener("abort", () => this.signal.removeEventListener("abort", onAbort));
    });
    const exited = container.wait({ abortSignal: done.signal }).then(
      async (result: { StatusCode?: number }) => {
        throw await this.exitedError(container, `exited with code ${result.StatusCode ?? "?"}`);
      },
      async (error: unknown) => {
        if (done.signal.aborted) return new Promise<never>(() => undefined);
        throw await this.exitedError(container, `is gone (${(error as Error).message})`);
      },
    );
    try {
      await Promise.race([this.inner.waitUntilReady(container, boundPorts, startTime), exited, aborted]);
    } finally {
      done.abort();
    }
  }

  private async exitedError(container: Dockerode.Container, what: string): Promise<ContainerExitedError> {
    const lines = this.logs?.last(25) || (await lastLogLines(container));
    return new ContainerExitedError(
      `the ${this.name} container ${what} before it was ready; its last log lines:\n${lines || "(nothing logged)"}`,
      `npm run env:logs -- ${this.name} shows its whole log while the environment exists`,
    );
  }

  withStartupTimeout(startupTimeoutMs: number): WaitStrategy {
    this.inner.withStartupTimeout(startupTimeoutMs);
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.inner.isStartupTimeoutSet();
  }

  getStartupTimeout(): number {
    return this.inner.getStartupTimeout();
  }
}

async function lastLogLines(container: Dockerode.Container): Promise<string> {
  try {
    const raw = await container.logs({ stdout: true, stderr: true, tail: 25, follow: false });
    // Multiplexed frames: an 8-byte header before each chunk.
    const text: string[] = [];
    for (let at = 0; at + 8 <= raw.length;) {
      const size = raw.readUInt32BE(at + 4);
      text.push(raw.subarray(at + 8, at + 8 + size).toString("utf8"));
      at += 8 + size;
    }
    return text.join("").trim();
  } catch {
    return "(its log is gone with it)";
  }
}

/**
 * Starts `container` with its own readiness wait made exit-aware and interruptible by `signal`, as every
 * component's start does; `name` is the instance the errors name.
 */
export function startReady<T extends StartedTestContainer>(
  container: GenericContainer & { start(): Promise<T> },
  signal: AbortSignal,
  name: string,
  logs?: LogTail,
): Promise<T> {
  signal.throwIfAborted();
  // The wait each container class chose for itself (testcontainers keeps it in a protected field); with
  // none, testcontainers would wait for the listening ports.
  const own = (container["waitStrategy"] as WaitStrategy | undefined) ?? Wait.forListeningPorts();
  container.withWaitStrategy(new ExitAwareWait(own, signal, name, logs));
  return (container as { start(): Promise<T> }).start();
}
