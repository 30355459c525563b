import { describe } from "vitest";
import { apiReadOnlyChecks } from "../checks/api-readonly.ts";
import { frontendChecks } from "../checks/frontend.ts";
import { tlsChecks, tlsNames } from "../checks/tls.ts";
import { smokeSettings } from "./target.ts";

const { target } = smokeSettings();

describe(`smoke (read-only): ${target.urls.site}`, () => {
  describe("frontend", () => frontendChecks(() => target));
  describe("API and WebSocket", () => apiReadOnlyChecks(() => target));
  describe("TLS", () => tlsChecks(() => target, tlsNames(target)));
});
