import { describe, expect, it } from "vitest";
import { scaledSeconds } from "./scaled-seconds.ts";
import { memberName, scaleInChoice } from "./fleet-members.ts";

describe("the group's instances", () => {
  it("names a new instance with the lowest app-N no instance holds", () => {
    expect(memberName([])).toBe("app-1");
    expect(memberName(["app-1", "app-2"])).toBe("app-3");
    expect(memberName(["app-2", "app-3"])).toBe("app-1");
  });

  it("scales in as Auto Scaling's default policy: the fullest zone, the oldest template version, the closest to its next hour, then at random", () => {
    const now = Date.parse("2026-12-05T12:00:00Z");
    const minutesAgo = (minutes: number) => now - minutes * 60_000;
    const member = (name: string, zone: string, version: string | undefined, launched: number) => ({
      name,
      availabilityZone: zone,
      launchTemplateVersion: version,
      launchedAt: launched,
    });
    const a = "ap-northeast-2a";
    const c = "ap-northeast-2c";
    // 2a has two: the one launched 50 minutes ago is 10 minutes from its next hour, the other 55.
    const group = [
      member("app-1", a, "1", minutesAgo(50)),
      member("app-2", c, "1", minutesAgo(50)),
      member("app-3", a, "1", minutesAgo(5)),
    ];
    expect(scaleInChoice(group, now).name).toBe("app-1");
    // 70 minutes ago is 50 minutes from its next hour: the 5-minute-old one (55 away) is still farther.
    expect(scaleInChoice([...group.slice(1), member("app-1", a, "1", minutesAgo(70))], now).name).toBe(
      "app-1",
    );
    // An older template version goes first, whatever its hour.
    expect(scaleInChoice([...group.slice(0, 2), member("app-3", a, "0", minutesAgo(5))], now).name).toBe(
      "app-3",
    );
    // Unnumbered versions ($Default) tell nothing; a tie goes at random.
    const tie = [member("app-1", a, "$Default", minutesAgo(5)), member("app-2", a, undefined, minutesAgo(5))];
    expect(scaleInChoice(tie, now, () => 0).name).toBe("app-1");
    expect(scaleInChoice(tie, now, () => 0.99).name).toBe("app-2");
  });

  it("runs the group's clock at AWS's pace, or faster by HARNESS_TIME_SCALE, and says so", () => {
    expect(scaledSeconds(300, 1)).toEqual({ ms: 300_000, said: "300 s" });
    expect(scaledSeconds(300, 10)).toEqual({ ms: 30_000, said: "300 s (30.0 s at HARNESS_TIME_SCALE=10)" });
  });
});
