import { inject, test as base } from "vitest";
import { Api } from "../../harness/client/api.ts";
import { targetAgent, twinTarget, type Target } from "../../harness/client/target.ts";

/**
 * The scenarios' `test`, with what every scenario needs as fixtures instead of a per-file preamble:
 *
 * - `twin`: the environment the global setup started (or reused) for the run;
 * - `target`: the twin as a {@link Target} (smoke mode overrides it with a deployment);
 * - `agent`: an undici dispatcher for the target, made once per file and closed after the file's
 *   last test and `afterAll` hooks;
 * - `api`: the ThreadCast API client through that agent.
 *
 * They are file-scoped (the twin worker-scoped), so `test.beforeAll` and `test.afterAll` get them too
 * (a plain `beforeAll` does not), and they are made only when a test or hook names them.
 */
export const test = base
  .extend("twin", { scope: "worker" }, () => inject("twin"))
  .extend("target", { scope: "file" }, ({ twin }): Target => twinTarget(twin))
  .extend("agent", { scope: "file" }, ({ target }, { onCleanup }) => {
    const agent = targetAgent(target);
    onCleanup(() => agent.close());
    return agent;
  })
  .extend("api", { scope: "file" }, ({ target, agent }) => new Api(target, agent));
