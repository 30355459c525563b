import type { CpuTarget } from "./fleet-topology.ts";

/**
 * The alarms Auto Scaling makes for a target-tracking policy, as the twin plays them: one datapoint per
 * minute (the group's average CPU over it); out when the last 3 are all above the target, in when the
 * last 15 are all below 90% of it.
 */
export const TRACKING_ALARMS = {
  periodSeconds: 60,
  highDatapoints: 3,
  lowDatapoints: 15,
  lowFactor: 0.9,
} as const;

/** What the policy asks of the group: the capacity that brings the metric back to the target. */
export interface TrackingDecision {
  readonly desired: number;
  readonly why: string;
}

const percent = (value: number) => `${value.toFixed(1)}%`;

/**
 * The policy's decision on the group's CPU datapoints (oldest first, one per period), or undefined
 * while neither alarm holds or the group is at its bound: the new capacity is the current one times
 * the latest datapoint over the target (rounded up), within min..max.
 */
export function trackingDecision(
  datapoints: readonly number[],
  capacity: number,
  bounds: { readonly minSize: number; readonly maxSize: number },
  policy: Pick<CpuTarget, "targetPercent" | "disableScaleIn">,
): TrackingDecision | undefined {
  const latest = datapoints.at(-1);
  if (latest === undefined || capacity === 0) return undefined;
  const wanted = Math.ceil((capacity * latest) / policy.targetPercent);
  const high = datapoints.slice(-TRACKING_ALARMS.highDatapoints);
  if (high.length === TRACKING_ALARMS.highDatapoints && high.every((value) => value > policy.targetPercent)) {
    const desired = Math.min(bounds.maxSize, wanted);
    if (desired <= capacity) return undefined;
    return {
      desired,
      why: `the group's CPU ${high.map(percent).join(", ")} was above the target ${percent(policy.targetPercent)} for ${high.length} datapoints`,
    };
  }
  const low = datapoints.slice(-TRACKING_ALARMS.lowDatapoints);
  const floor = policy.targetPercent * TRACKING_ALARMS.lowFactor;
  if (
    policy.disableScaleIn ||
    low.length < TRACKING_ALARMS.lowDatapoints ||
    !low.every((value) => value < floor)
  )
    return undefined;
  const desired = Math.max(bounds.minSize, Math.min(wanted, capacity - 1));
  if (desired >= capacity) return undefined;
  return {
    desired,
    why: `the group's CPU stayed below ${percent(floor)} (90% of the target) for ${low.length} datapoints, ${percent(latest)} in the last`,
  };
}
