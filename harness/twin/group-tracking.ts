import { GroupCpu } from "./group-cpu.ts";
import type { RunningMember } from "./fleet-members.ts";
import type { CpuTarget, FleetTopology } from "./fleet-topology.ts";
import { scaledSeconds } from "./scaled-seconds.ts";
import { TRACKING_ALARMS, trackingDecision, type TrackingDecision } from "./target-tracking.ts";
import { INSTANCE_SIZES } from "./topology.ts";

/** One datapoint taken: what it was, and the policy's decision on it, if any. */
export interface TrackingObservation {
  readonly said: string;
  readonly decision?: TrackingDecision;
}

/**
 * The group's CPU target-tracking policy at work: one datapoint a period (HARNESS_TIME_SCALE shortens
 * it), measured on the running instances past their warm-up, and the policy's decision on the last ones.
 */
export class GroupTracking {
  private readonly cpu: GroupCpu;
  private datapoints: number[] = [];
  private nextAt = 0;
  private readonly period: { ms: number; said: string };
  private readonly warmupMs: number;

  constructor(
    private readonly fleet: FleetTopology,
    private readonly policy: CpuTarget,
    private readonly timeScale: number,
  ) {
    this.cpu = new GroupCpu(INSTANCE_SIZES[fleet.instanceType]?.cpus ?? 2);
    this.period = scaledSeconds(TRACKING_ALARMS.periodSeconds, timeScale);
    this.warmupMs = scaledSeconds(policy.warmupSeconds, timeScale).ms;
  }

  /** Milliseconds until the next datapoint is due (0: now). */
  dueInMs(): number {
    return Math.max(0, this.nextAt - Date.now());
  }

  /** The policy as the twin plays it, for the controller's first lines. */
  describe(): string {
    const floor = (this.policy.targetPercent * TRACKING_ALARMS.lowFactor).toFixed(1);
    const scaleIn = this.policy.disableScaleIn
      ? "scale-in disabled"
      : `in after ${TRACKING_ALARMS.lowDatapoints} below ${floor}%`;
    return `CPU target tracking at ${this.policy.targetPercent}%: a datapoint every ${this.period.said}, out after ${TRACKING_ALARMS.highDatapoints} above it, ${scaleIn}; a new instance left out, and no scale-in, during its warm-up of ${scaledSeconds(this.policy.warmupSeconds, this.timeScale).said}`;
  }

  /**
   * Takes the datapoint when one is due and returns the capacity the policy asks for, if its alarm
   * holds; the datapoints start again after a decision, as the alarms see the new capacity afresh.
   */
  async observe(
    members: readonly RunningMember[],
    bootedAt: (member: RunningMember) => number,
    capacity: number,
  ): Promise<TrackingObservation | undefined> {
    const now = Date.now();
    if (now < this.nextAt) return undefined;
    // A steady cadence: the next datapoint a period after this one was due; from now on the first one,
    // or when this one came more than half a period late.
    const onTime = this.nextAt > 0 && now - this.nextAt < this.period.ms / 2;
    this.nextAt = (onTime ? this.nextAt : now) + this.period.ms;
    const warming = (member: RunningMember) => now - bootedAt(member) <= this.warmupMs;
    const warm = members.filter((member) => member.state === "running" && !warming(member));
    const datapoint = await this.cpu.datapoint(warm.map((member) => member.id));
    if (datapoint === undefined) return undefined;
    this.datapoints = [...this.datapoints, datapoint].slice(-TRACKING_ALARMS.lowDatapoints);
    const said = `CPU datapoint ${datapoint.toFixed(1)}% over ${warm.length} instance(s) past their warm-up`;
    const decision = trackingDecision(this.datapoints, capacity, this.fleet, this.policy);
    // Auto Scaling does not scale in while instances of a scale-out are still warming up.
    if (!decision || (decision.desired < capacity && members.some(warming))) return { said };
    this.datapoints = [];
    return {
      said,
      decision: { ...decision, why: `${decision.why} (a datapoint every ${this.period.said})` },
    };
  }
}
