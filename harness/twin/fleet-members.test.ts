import { describe, expect, it } from "vitest";
import { scaledSeconds } from "./scaled-seconds.ts";
import { memberName, scaleInChoice } from "./fleet-members.ts";

describe("the group's instances", () => {
  it("names a new instance with the lowest app-N no instance holds", () => {
    expect(memberName([])).toBe("app-1");
    expect(memberName(["app-1", "app-2"])).toBe("app-3");
    expect(memberName(["app-2", "app-3"])).toBe("app-1");
  });

  it("scales in from the zone with the most instances, its newest first", () => {
    const members = [
      { name: "app-1", availabilityZone: "ap-northeast-2a" },
      { name: "app-2", availabilityZone: "ap-northeast-2c" },
      { name: "app-3", availabilityZone: "ap-northeast-2a" },
    ];
    expect(scaleInChoice(members).name).toBe("app-3");
    expect(scaleInChoice([...members, { name: "app-4", availabilityZone: "ap-northeast-2c" }]).name).toBe(
      "app-4",
    );
    expect(scaleInChoice(members.slice(0, 2)).name).toBe("app-2");
  });

  it("runs the group's clock at AWS's pace, or faster by HARNESS_TIME_SCALE, and says so", () => {
    expect(scaledSeconds(300, 1)).toEqual({ ms: 300_000, said: "300 s" });
    expect(scaledSeconds(300, 10)).toEqual({ ms: 30_000, said: "300 s (30.0 s at HARNESS_TIME_SCALE=10)" });
  });
});
