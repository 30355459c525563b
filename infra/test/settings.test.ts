import { describe, expect, it } from "vitest";
import { createThreadcastApp } from "../lib/threadcast-app.ts";
import { InfraSettingsError } from "../lib/settings.ts";
import { TEST_CONTEXT } from "./synth.ts";

const build = (context: Record<string, string | undefined>) => () => createThreadcastApp({ context }, {});

describe("settings the app refuses", () => {
  it("fails without an operator CIDR, saying there is no default", () => {
    const { operatorCidr: _, ...rest } = TEST_CONTEXT;
    expect(build(rest)).toThrow(InfraSettingsError);
    expect(build(rest)).toThrow(/operator CIDR .* required and has no default: pass -c operatorCidr=/);
  });

  it.each(["0.0.0.0/0", "10.0.0.0/4"])("refuses to open SSH to %s", (cidr) => {
    expect(build({ ...TEST_CONTEXT, operatorCidr: cidr })).toThrow(/port 22 must never be open to the world/);
  });

  it.each(["203.0.113.7", "203.0.113.300/32", "my-laptop"])("rejects %s as not a CIDR", (cidr) => {
    expect(build({ ...TEST_CONTEXT, operatorCidr: cidr })).toThrow(/is not an IPv4 CIDR/);
  });

  it("rejects an unknown phase and names the valid ones", () => {
    expect(build({ ...TEST_CONTEXT, phase: "4" })).toThrow(
      /unknown phase 4: use -c phase=1 \(default\), 2 or 3/,
    );
  });

  it("requires the id of the existing hosted zone, which it imports rather than creates", () => {
    const { hostedZoneId: _, ...rest } = TEST_CONTEXT;
    expect(build(rest)).toThrow(/hosted zone is required.*imported, not created/);
  });

  it("requires a 12-digit account", () => {
    expect(build({ ...TEST_CONTEXT, account: "12345" })).toThrow(/account is required/);
  });
});
