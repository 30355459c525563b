import type Dockerode from "dockerode";
import type { WaitStrategy } from "testcontainers";

/**
 * A testcontainers wait strategy that is the harness's own readiness probe: used where the container's
 * ports are published on an entry-point address that testcontainers' host-port checks cannot see.
 */
export class ProbeWait implements WaitStrategy {
  private timeoutMs = 60_000;
  private timeoutSet = false;

  private signal: AbortSignal = new AbortController().signal;

  /** The probe gets `signal`, aborted when the wait has ended or the start-up was interrupted. */
  constructor(
    private readonly probe: (timeoutMs: number, containerId: string, signal: AbortSignal) => Promise<void>,
  ) {}

  /** Stops the probe's polling when `signal` is aborted (an {@link ExitAwareWait} sets it). */
  withSignal(signal: AbortSignal): this {
    this.signal = signal;
    return this;
  }

  waitUntilReady(container: Dockerode.Container): Promise<void> {
    return this.probe(this.timeoutMs, container.id, this.signal);
  }

  withStartupTimeout(startupTimeoutMs: number): WaitStrategy {
    this.timeoutMs = startupTimeoutMs;
    this.timeoutSet = true;
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.timeoutSet;
  }

  getStartupTimeout(): number {
    return this.timeoutMs;
  }
}
