import { describe, expect, it } from "vitest";
import { TRACKING_ALARMS, trackingDecision } from "./target-tracking.ts";

const bounds = { minSize: 2, maxSize: 4 };
const policy = { targetPercent: 60, disableScaleIn: false };
const repeat = (value: number, times: number) => Array.from({ length: times }, () => value);

describe("trackingDecision (CPU target tracking)", () => {
  it("scales out once the last three datapoints are above the target, to the capacity that brings it back", () => {
    expect(trackingDecision([70, 90, 90], 2, bounds, policy)).toMatchObject({ desired: 3 });
    // 2 instances at 100% against 60%: ceil(2 * 100 / 60) = 4.
    expect(trackingDecision([80, 95, 100], 2, bounds, policy)?.desired).toBe(4);
    expect(trackingDecision([80, 95, 100], 2, bounds, policy)?.why).toContain("above the target 60.0%");
  });

  it("waits while fewer than three datapoints are above the target", () => {
    expect(trackingDecision([90, 90], 2, bounds, policy)).toBeUndefined();
    expect(trackingDecision([90, 50, 90], 2, bounds, policy)).toBeUndefined();
  });

  it("never scales out past the group's max", () => {
    expect(trackingDecision([100, 100, 100], 4, bounds, policy)).toBeUndefined();
    expect(trackingDecision([100, 100, 100], 3, bounds, policy)?.desired).toBe(4);
  });

  it("scales in only after fifteen datapoints below 90% of the target, never under the min", () => {
    const idle = repeat(5, TRACKING_ALARMS.lowDatapoints);
    expect(trackingDecision(idle, 4, bounds, policy)).toMatchObject({ desired: 2 });
    expect(trackingDecision(idle.slice(1), 4, bounds, policy)).toBeUndefined();
    expect(trackingDecision(idle, 2, bounds, policy)).toBeUndefined();
    // 55% is below 60 but not below 54 (90% of it): no alarm.
    expect(trackingDecision(repeat(55, 15), 3, bounds, policy)).toBeUndefined();
    // 4 instances at 40%: ceil(4 * 40 / 60) = 3.
    expect(trackingDecision(repeat(40, 15), 4, bounds, policy)?.desired).toBe(3);
  });

  it("does not scale in when the policy disables it", () => {
    expect(trackingDecision(repeat(5, 15), 4, bounds, { ...policy, disableScaleIn: true })).toBeUndefined();
  });
});
