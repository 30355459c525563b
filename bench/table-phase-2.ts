/** The README table's rows for phase 2's twin: the load balancer, fan-out across instances, failover, memory. */
import { at, num, s, type Json, type Row } from "./table-values.ts";

const listed = (record: unknown) =>
  Object.entries((record ?? {}) as Record<string, unknown>)
    .map(([name, value]) => `${name} ${num(value)}`)
    .join(", ");

export const PHASE_2_ROWS: Row[] = [
  {
    figure: "phase 2: ALB cost, p50 / p99 through HAProxy vs straight to an instance",
    file: "alb-cost",
    value: (r) =>
      `${num(at(r, "throughAlbMs.p50"))} / ${num(at(r, "throughAlbMs.p99"))} ms vs ${num(at(r, "directMs.p50"))} / ${num(at(r, "directMs.p99"))} ms; ratios ${num(at(r, "p50Ratio.value"))} / ${num(at(r, "p99Ratio"))}`,
    target: "",
  },
  {
    figure: "phase 2: fan-out across instances, delivery p50 / p99 / max",
    file: "fanout-phase-2",
    value: (r) =>
      `${num(at(r, "subscribers"))} subscribers (${listed(at(r, "subscribersPerInstance"))}): ${num(at(r, "deliveryMs.p50"))} / ${num(at(r, "deliveryMs.p99"))} / ${num(at(r, "deliveryMs.max"))} ms`,
    target: "p99 <= 250 ms",
    met: (r) => num(at(r, "deliveryMs.p99")) <= 250,
  },
  {
    figure: "phase 2: fan-out across instances, events lost",
    file: "fanout-phase-2",
    value: (r) => `${num(at(r, "lostTotal"))} (connect failures ${num(at(r, "connectFailures"))})`,
    target: "0",
    met: (r) => num(at(r, "lostTotal")) === 0,
  },
  {
    figure: "phase 2: Multi-AZ failover, writer downtime median / max (AWS: typically 60-120 s)",
    file: "failover",
    value: (r: Json) =>
      `${s(at(r, "downtimeMs.median"))} / ${s(at(r, "downtimeMs.max"))} over ${num(at(r, "failovers"))} failovers; promoted in ${num(at(r, "promotedMs.median"))} ms, standby back in ${s(at(r, "standbyBackMs.median"))}; ${num(at(r, "writesRefused"))} writes refused`,
    target: "",
  },
  {
    figure: "phase 2: Multi-AZ failover, acknowledged writes lost",
    file: "failover",
    value: (r) => `${num(at(r, "acknowledgedWritesLost"))} of ${num(at(r, "writesAcknowledged"))}`,
    target: "0",
    met: (r) => num(at(r, "acknowledgedWritesLost")) === 0 && num(at(r, "writesAcknowledged")) > 0,
  },
  {
    figure: "phase 2: running twin memory",
    file: "footprint-phase-2",
    value: (r) => {
      const components = (at(r, "components") ?? {}) as Record<string, { memoryMiB: number }>;
      const parts = Object.entries(components).map(([name, entry]) => `${name} ${entry.memoryMiB}`);
      return `${num(at(r, "memoryTotalMiB"))} MiB (${parts.join(", ")})`;
    },
    target: "",
  },
];
