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

/** An IPv4 CIDR as the range of addresses it holds. */
function rangeOf(cidr: string): [number, number] {
  const [address = "", prefix = "32"] = cidr.split("/");
  const base = address.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(prefix));
  const start = base - (base % size);
  return [start, start + size - 1];
}

/**
 * Two free /24s for the compose twin's networks (TWIN_PUBLIC_NET, TWIN_PRIVATE_NET): its defaults sit in
 * Docker's own pool, where the other tests' env:ups are handed /16s, and Docker refuses an overlap. These
 * come from the pool's far end, clear of every Docker network and host route there is now.
 */
async function freeComposeNets(): Promise<{ TWIN_PUBLIC_NET: string; TWIN_PRIVATE_NET: string }> {
  const ids = (await run("docker", ["network", "ls", "-q"])).stdout.split("\n").filter(Boolean);
  const inspected = await run("docker", [
    "network",
    "inspect",
    "--format",
    "{{range .IPAM.Config}}{{.Subnet}} {{end}}",
    ...ids,
  ]);
  const routes = await run("ip", ["-4", "route", "show"]);
  const taken = [
    ...inspected.stdout.split(/\s+/),
    ...routes.stdout.split("\n").map((line) => line.split(" ")[0]),
  ]
    .filter((cidr): cidr is string => /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(cidr ?? ""))
    .map(rangeOf);
  const free = (third: number) => {
    const [start, end] = rangeOf(`192.168.${third}.0/24`);
    return taken.every(([from, to]) => end < from || start > to);
  };
  for (let third = 254; third > 200; third -= 2)
    if (free(third) && free(third + 1))
      return { TWIN_PUBLIC_NET: `192.168.${third}`, TWIN_PRIVATE_NET: `192.168.${third + 1}` };
  throw new Error("no two free /24s in 192.168.200.0-255.255 for the compose twin's networks");
}

/**
 * docker-compose.yml, generated for this run's own environment name (so a developer's compose twin is
 * never touched), brought up by the real docker-compose: the same twin as env:up, reached the same way.
 */
describe("the docker-compose twin", () => {
  const name = `itc-${inject("runOwner").replace(/^test-/, "")}`;
  let config: HarnessConfig;
  let compose: string[];
  let nets: Awaited<ReturnType<typeof freeComposeNets>>;
  let up: { code: number | null; stdout: string; stderr: string };

  beforeAll(async () => {
    config = { ...loadConfig(), envName: name };
    const binary = await ensureCompose(config);
    const dir = join(config.stateDir, "compose-test");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${name}.yml`);
    writeFileSync(file, await renderCompose(currentComposeDocument(config, name), config.repoRoot));
    nets = await freeComposeNets();
    compose = [binary, "-f", file, "--project-directory", config.repoRoot, "-p", name];
    up = await run(compose[0] as string, [...compose.slice(1), "up", "-d"], {
      cwd: config.repoRoot,
      env: { ...process.env, ...nets },
    });
  });

  afterAll(async () => {
    await run(compose[0] as string, [...compose.slice(1), "down", "-v"], {
      cwd: config.repoRoot,
      env: { ...process.env, ...nets },
    });
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
