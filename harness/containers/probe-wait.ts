import type Dockerode from "dockerode";
import type { WaitStrategy } from "testcontainers";

/**
 * A testcontainers wait strategy that is the harness's own readiness probe: used where the container's
 * ports are published on an entry-point address that testcontainers' host-port checks cannot see.
 */
export class ProbeWait implements WaitStrategy {
  private timeoutMs = 60_000;
  private timeoutSet = false;

  constructor(private readonly probe: (timeoutMs: number, containerId: string) => Promise<void>) {}

  waitUntilReady(container: Dockerode.Container): Promise<void> {
    return this.probe(this.timeoutMs, container.id);
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
