import { setTimeout as pace } from "node:timers/promises";
import { request, type Dispatcher } from "undici";
import type { Target } from "../../harness/client/target.ts";

/**
 * The load's rhythm: about 25 requests a second, steady, and light enough that phase 2's CPU target
 * tracking (60%) never scales the group meanwhile. A pace of the load, not a wait for anything.
 */
const BETWEEN_REQUESTS_MS = 40;

/** One failed request of the load: when it was sent, and what came back (0: no answer). */
export interface FailedRequest {
  readonly at: number;
  readonly status: number;
}

/** A client calling GET /api/health one request after another until stopped, counting what failed. */
export class SteadyLoad {
  sent = 0;
  readonly failed: FailedRequest[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(target: Target, dispatcher: Dispatcher) {
    this.done = this.loop(`${target.urls.api}/health`, dispatcher);
  }

  private async loop(url: string, dispatcher: Dispatcher): Promise<void> {
    while (this.running) {
      this.sent += 1;
      const at = Date.now();
      const answer = await request(url, { dispatcher }).catch(() => undefined);
      await answer?.body.dump();
      if (answer?.statusCode !== 200) this.failed.push({ at, status: answer?.statusCode ?? 0 });
      await pace(BETWEEN_REQUESTS_MS);
    }
  }

  /** Stops after the request in flight. */
  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}
