import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig, type HarnessConfig } from "../config.ts";
import { ensureCompose } from "../engine/compose-tool.ts";
import { LABEL_OWNER } from "../support/cleanup.ts";
import { run } from "../support/run.ts";
import { waitFor } from "../support/wait-for.ts";
import { currentComposeDocument, renderCompose } from "./compose.ts";
import {
  COMPONENT_NAMES,
  containerStates,
  ownerOf,
  readEnvironment,
  stopEnvironment,
} from "./environment.ts";
import { twinHttpsGet } from "../client/twin-client.ts";
import { containerNameOf } from "./identity.ts";

/**
 * docker-compose.yml, generated for this run's own environment name (so a developer's compose twin is
 * never touched), brought up by the real docker-compose: the same twin as env:up, reached the same way.
 */
describe("the docker-compose twin", () => {
  const name = `itc-${inject("runOwner").replace(/^test-/, "")}`;
  let config: HarnessConfig;
  let compose: string[];
  let up: { code: number | null; stdout: string; stderr: string };

  beforeAll(async () => {
    config = { ...loadConfig(), envName: name };
    const binary = await ensureCompose(config);
    const dir = join(config.stateDir, "compose-test");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${name}.yml`);
    writeFileSync(file, await renderCompose(currentComposeDocument(config, name), config.repoRoot));
    compose = [binary, "-f", file, "--project-directory", config.repoRoot, "-p", name];
    up = await run(compose[0] as string, [...compose.slice(1), "up", "-d"], { cwd: config.repoRoot });
  });

  afterAll(async () => {
    await run(compose[0] as string, [...compose.slice(1), "down", "-v"], { cwd: config.repoRoot });
    await stopEnvironment(config);
  });

  it("comes up: every component running, the setup finished", async () => {
    expect(up.code, up.stderr).toBe(0);
    const states = await containerStates(name);
    for (const component of COMPONENT_NAMES) expect(states[component]).toBe("running");
    expect(states.setup).toBe("exited");
    const setup = await run("docker", [
      "inspect",
      "--format",
      "{{.State.ExitCode}}",
      containerNameOf(name, "setup"),
    ]);
    expect(setup.stdout.trim()).toBe("0");
  });

  it("answers https://api.threadcast.io/api/health and serves https://threadcast.io/ by name, over its own CA", async () => {
    const environment = readEnvironment(config);
    expect(environment).toBeDefined();
    if (!environment) return;
    // `up -d` returns once the containers run; the edge may still be binding its ports.
    const answer = (url: string) =>
      waitFor(`${url} to answer`, () => twinHttpsGet(environment, url).catch(() => undefined), 30_000);
    const health = await answer(`${environment.urls.api}/health`);
    expect(health).toMatchObject({ status: 200, body: '{"status":"UP"}' });
    const site = await answer(environment.urls.site);
    expect(site.status).toBe(200);
    expect(site.body).toContain('<div id="root">');
  });

  it("is removed with everything it labelled by env:down", async () => {
    const leftovers = await stopEnvironment(config);
    expect(leftovers).toEqual([]);
    const filter = `label=${LABEL_OWNER}=${ownerOf(name)}`;
    for (const args of [
      ["ps", "-aq"],
      ["network", "ls", "-q"],
      ["volume", "ls", "-q"],
    ]) {
      const listed = await run("docker", [...args, "--filter", filter]);
      expect(listed.stdout.trim()).toBe("");
    }
  });
});
