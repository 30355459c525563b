import { describe, expect, it } from "vitest";
import { localstackNeedsToken } from "./localstack-license.ts";

describe("localstackNeedsToken", () => {
  it.each([
    "localstack/localstack:4.14.0",
    "localstack/localstack:4.12.0",
    "localstack/localstack:3.8.1",
    "localstack/localstack:4.14",
  ])("knows %s starts without a token", (reference) => expect(localstackNeedsToken(reference)).toBe(false));

  it.each([
    "localstack/localstack:latest",
    "localstack/localstack",
    "localstack/localstack:stable",
    "localstack/localstack:4.15.0",
    "localstack/localstack:2026.3.1",
    "localstack/localstack-pro:5.0.0",
    "registry.example:5000/localstack/localstack:custom",
  ])("treats %s as needing a token", (reference) => expect(localstackNeedsToken(reference)).toBe(true));
});
