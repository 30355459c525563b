import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cacheControlFor } from "./names.ts";
import {
  allocateEntryPoints,
  assertEntryPointsFree,
  COMPOSE_ENV,
  entryPoints,
  entryPointsAt,
  homeOctet,
  releaseEntryPoints,
  takenPorts,
  type Neighbours,
} from "./entry-points.ts";

/** Neighbours as the allocator would see them, given which environments have containers or publish where. */
const neighbours = (running: string[] = [], publishers: Record<string, string> = {}): Neighbours => ({
  hasContainers: async (name) => running.includes(name),
  publisherOf: async (address) => publishers[address],
});

/**
 * A name (with this prefix) whose home octet and the one after it are free on this machine (other tests
 * run twins meanwhile) and are not the compose twin's.
 */
async function nameAwayFrom(prefix: string): Promise<string> {
  const compose = homeOctet(COMPOSE_ENV);
  for (let n = 0; ; n += 1) {
    const home = homeOctet(`${prefix}-${n}`);
    if (home === compose || next(home) === compose) continue;
    const taken = await Promise.all([home, next(home)].map((octet) => takenPorts(entryPointsAt(octet))));
    if (taken.every((ports) => ports.length === 0)) return `${prefix}-${n}`;
  }
}

const listen = (port: number, address: string) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject).listen(port, address, () => resolve(server));
  });

const next = (octet: number) => (octet === 249 ? 10 : octet + 1);

describe("entryPoints", () => {
  it("gives each stand-in its own loopback address, stable for a name", () => {
    const points = entryPoints("twin");
    expect(points).toEqual(entryPoints("twin"));
    expect(points.edge.address).toMatch(/^127\.88\.\d+\.1$/);
    expect(points.api.address).toMatch(/^127\.88\.\d+\.2$/);
    expect(points.edge.ports).toEqual([80, 443]);
    expect(points.api.ports).toEqual([80, 443, 8080]);
    expect(points.emulator).toEqual({ address: points.api.address.replace(/\.2$/, ".3"), ports: [4566] });
  });

  it("gives two environment names different addresses", () => {
    expect(entryPoints("twin").api.address).not.toBe(entryPoints("ci-b").api.address);
  });

  it("names every entry-point port something else holds", async () => {
    // A name whose entry points nothing holds yet (a running twin of this machine may own its hash: the
    // CI run before this one met EADDRINUSE there).
    const listening = async (candidate: string) => {
      if ((await takenPorts(entryPoints(candidate))).length > 0) return undefined;
      const server = createServer();
      const bound = await new Promise<boolean>((resolve) => {
        server.once("error", () => resolve(false));
        server.listen(8080, entryPoints(candidate).api.address, () => resolve(true));
      });
      return bound ? server : undefined;
    };
    let name = "";
    let server: Server | undefined;
    for (let i = 0; i < 10 && !server; i += 1) {
      name = `unit-${process.pid}-${i}`;
      server = await listening(name);
    }
    if (!server) throw new Error("no free entry-point address to listen on for the test");
    const points = entryPoints(name);
    try {
      await expect(assertEntryPointsFree(name, points)).rejects.toThrow(
        new RegExp(`already in use: ${points.api.address.replace(/\./g, "\\.")}:8080$`),
      );
    } finally {
      server.close();
    }
    await expect(assertEntryPointsFree(name, points)).resolves.toBeUndefined();
  });
});

describe("allocateEntryPoints (two environments never share an address, however their names hash)", () => {
  const claimsDir = () => mkdtempSync(join(tmpdir(), "claims-"));
  const claim = (dir: string, octet: number, name: string, pid: number) =>
    writeFileSync(join(dir, `${octet}.json`), JSON.stringify({ name, pid }));

  it("gives a name its home octet when nobody holds it, and records the claim until released", async () => {
    const dir = claimsDir();
    const name = await nameAwayFrom(`home${process.pid}`);
    const { points, movedPast } = await allocateEntryPoints(name, dir, neighbours());
    expect(points).toEqual(entryPoints(name));
    expect(movedPast).toEqual([]);
    const file = join(dir, `${homeOctet(name)}.json`);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ name, pid: process.pid });
    releaseEntryPoints(name, dir);
    expect(existsSync(file)).toBe(false);
  });

  it("moves past an octet another live environment claimed, naming it", async () => {
    const dir = claimsDir();
    const name = await nameAwayFrom(`moved${process.pid}`);
    claim(dir, homeOctet(name), "other", process.pid); // a live process: its env:up is still running
    const { points, movedPast } = await allocateEntryPoints(name, dir, neighbours());
    expect(movedPast).toEqual([{ octet: homeOctet(name), holder: "other" }]);
    expect(points).toEqual(entryPointsAt(next(homeOctet(name))));
  });

  it("moves past a claim whose start-up ended while its environment still has containers", async () => {
    const dir = claimsDir();
    const name = await nameAwayFrom(`up${process.pid}`);
    claim(dir, homeOctet(name), "other", 2 ** 22 + 1); // above Linux's pid_max: no such process
    const { movedPast } = await allocateEntryPoints(name, dir, neighbours(["other"]));
    expect(movedPast.map((moved) => moved.holder)).toEqual(["other"]);
  });

  it("takes over a stale claim (no process, no containers) and its own earlier claim", async () => {
    const dir = claimsDir();
    const name = await nameAwayFrom(`stale${process.pid}`);
    claim(dir, homeOctet(name), "gone", 2 ** 22 + 1);
    expect((await allocateEntryPoints(name, dir, neighbours())).points).toEqual(entryPoints(name));
    expect((await allocateEntryPoints(name, dir, neighbours())).points).toEqual(entryPoints(name));
  });

  it("refuses a second start-up of the same environment while the first one runs", async () => {
    const dir = claimsDir();
    const name = await nameAwayFrom(`twice${process.pid}`);
    claim(dir, homeOctet(name), name, process.ppid); // our parent: a live process that is not us
    await expect(allocateEntryPoints(name, dir, neighbours())).rejects.toThrow(
      `environment "${name}" is being started by another process (pid ${process.ppid})`,
    );
  });

  it("never gives away the compose twin's octet", async () => {
    const dir = claimsDir();
    let name = "x";
    for (let n = 0; homeOctet(name) !== homeOctet(COMPOSE_ENV); n += 1) name = `c${n}`;
    const { points, movedPast } = await allocateEntryPoints(name, dir, neighbours());
    expect(movedPast).toEqual([
      { octet: homeOctet(COMPOSE_ENV), holder: `${COMPOSE_ENV} (reserved for docker-compose.yml)` },
    ]);
    expect(points).toEqual(entryPointsAt(next(homeOctet(COMPOSE_ENV))));
    expect((await allocateEntryPoints(COMPOSE_ENV, dir, neighbours())).points).toEqual(
      entryPoints(COMPOSE_ENV),
    );
  });

  it("moves past a harness container publishing on the octet, but refuses a foreign listener there", async () => {
    const dir = claimsDir();
    const name = await nameAwayFrom(`port${process.pid}`);
    const address = entryPoints(name).api.address;
    const server = await listen(8080, address);
    try {
      const moved = await allocateEntryPoints(name, dir, neighbours([], { [address]: "elsewhere" }));
      expect(moved.movedPast).toEqual([{ octet: homeOctet(name), holder: "elsewhere" }]);
      releaseEntryPoints(name, dir);
      await expect(allocateEntryPoints(name, dir, neighbours())).rejects.toThrow(
        `already in use: ${address}:8080`,
      );
      // A refusal keeps no claim.
      expect(existsSync(join(dir, `${homeOctet(name)}.json`))).toBe(false);
    } finally {
      server.close();
    }
  });

  it("gives a resumed environment the ports its own containers publish on, and nobody else", async () => {
    const dir = claimsDir();
    const name = await nameAwayFrom(`own${process.pid}`);
    const address = entryPoints(name).api.address;
    const server = await listen(8080, address);
    try {
      const own = neighbours([], { [address]: name });
      const resumed = await allocateEntryPoints(name, dir, own, { own: true, octet: homeOctet(name) });
      expect(resumed.points).toEqual(entryPoints(name));
      expect(resumed.movedPast).toEqual([]);
      releaseEntryPoints(name, dir);
      // A fresh start of the same name does not take over ports something holds, even its own.
      await expect(allocateEntryPoints(name, dir, own)).rejects.toThrow(`already in use: ${address}:8080`);
    } finally {
      server.close();
    }
  });
});

describe("cacheControlFor (how a release uploads the web build)", () => {
  it("revalidates HTML, keeps hashed assets for a year, others five minutes", () => {
    expect(cacheControlFor("index.html")).toBe("no-cache");
    expect(cacheControlFor("assets/index-DiwrgTda.js")).toBe("public, max-age=31536000, immutable");
    expect(cacheControlFor("favicon.svg")).toBe("public, max-age=300");
  });
});
