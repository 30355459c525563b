import { describe, expect, it } from "vitest";
import { emulatorClientCache } from "./emulator-client-cache.ts";

describe("emulatorClientCache", () => {
  it("builds a region's clients once and hands out the same ones after", async () => {
    const clients = emulatorClientCache("http://127.0.0.1:45666");
    const seoul = clients("ap-northeast-2");
    expect(clients("ap-northeast-2")).toBe(seoul);
    expect(clients("us-east-1")).not.toBe(seoul);
    expect(await seoul.ec2.config.region()).toBe("ap-northeast-2");
    expect(await clients("us-east-1").ec2.config.region()).toBe("us-east-1");
  });
});
