import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { cacheControlFor } from "./names.ts";
import { assertEntryPointsFree, entryPoints } from "./entry-points.ts";

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
    const name = `unit-${process.pid}`;
    const points = entryPoints(name);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(8080, points.api.address, resolve));
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

describe("cacheControlFor (how a release uploads the web build)", () => {
  it("revalidates HTML, keeps hashed assets for a year, others five minutes", () => {
    expect(cacheControlFor("index.html")).toBe("no-cache");
    expect(cacheControlFor("assets/index-DiwrgTda.js")).toBe("public, max-age=31536000, immutable");
    expect(cacheControlFor("favicon.svg")).toBe("public, max-age=300");
  });
});
