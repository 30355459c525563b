import { describe, expect, it } from "vitest";
import { cacheTtl, chooseEncoding, compressible, errorResponseFor, objectKey } from "./edge-config.ts";

const OPTIMIZED = { minTtl: 1, defaultTtl: 86_400, maxTtl: 31_536_000 };

describe("cacheTtl (CloudFront's TTL rules)", () => {
  it("uses the default TTL when the origin sends no Cache-Control", () => {
    expect(cacheTtl(undefined, OPTIMIZED)).toBe(86_400);
  });

  it("prefers s-maxage over max-age", () => {
    expect(cacheTtl("public, max-age=60, s-maxage=120", OPTIMIZED)).toBe(120);
  });

  it("clamps to the policy's minimum and maximum", () => {
    expect(cacheTtl("max-age=0", OPTIMIZED)).toBe(1);
    expect(cacheTtl("max-age=99999999999", OPTIMIZED)).toBe(31_536_000);
  });

  it("caches no-cache, no-store and private for the minimum TTL only (0 means not at all)", () => {
    expect(cacheTtl("no-cache", OPTIMIZED)).toBe(1);
    expect(cacheTtl("private, max-age=600", OPTIMIZED)).toBe(1);
    expect(cacheTtl("no-store", { ...OPTIMIZED, minTtl: 0 })).toBe(0);
  });
});

describe("viewer requests", () => {
  it("maps / to the default root object and decodes other paths", () => {
    expect(objectKey("/", "index.html")).toBe("index.html");
    expect(objectKey("/", undefined)).toBe("");
    expect(objectKey("/assets/a%20b.js", "index.html")).toBe("assets/a b.js");
  });

  it("finds the error response configured for a status", () => {
    const responses = [
      { errorCode: 403, responseCode: 200, responsePagePath: "/index.html", ttlSeconds: 10 },
    ];
    expect(errorResponseFor(403, responses)?.responsePagePath).toBe("/index.html");
    expect(errorResponseFor(404, responses)).toBeUndefined();
  });

  it("picks br over gzip, and nothing when the viewer accepts neither", () => {
    expect(chooseEncoding("gzip, deflate, br")).toBe("br");
    expect(chooseEncoding("gzip;q=1.0")).toBe("gzip");
    expect(chooseEncoding("identity")).toBeUndefined();
    expect(chooseEncoding(undefined)).toBeUndefined();
  });

  it("compresses text between 1,000 and 10,000,000 bytes only", () => {
    expect(compressible("application/javascript", 5_000)).toBe(true);
    expect(compressible("text/html; charset=utf-8", 999)).toBe(false);
    expect(compressible("image/png", 5_000)).toBe(false);
    expect(compressible("text/css", 10_000_001)).toBe(false);
  });
});
