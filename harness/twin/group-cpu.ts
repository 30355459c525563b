import { getContainerRuntimeClient } from "testcontainers";

/** One container's CPU time (ns, as the engine counts it on cgroup v1 and v2) at a moment (ns). */
interface Reading {
  readonly usageNs: number;
  readonly atNs: bigint;
}

async function readUsage(id: string): Promise<Reading | undefined> {
  const client = await getContainerRuntimeClient();
  try {
    const stats = await client.container.dockerode
      .getContainer(id)
      .stats({ stream: false, "one-shot": true });
    return { usageNs: stats.cpu_stats.cpu_usage.total_usage, atNs: process.hrtime.bigint() };
  } catch {
    // Gone between the listing and the reading: it has no datapoint.
    return undefined;
  }
}

/**
 * The group's CPUUtilization as CloudWatch averages it for ASGAverageCPUUtilization: each instance's CPU
 * time over the period as a share of its vCPUs, averaged over the instances.
 */
export class GroupCpu {
  private readonly last = new Map<string, Reading>();

  constructor(private readonly vcpus: number) {}

  /**
   * The average over `ids` since each one's previous reading, in percent; undefined while none of them
   * has one yet (the first reading of an instance starts its period).
   */
  async datapoint(ids: readonly string[]): Promise<number | undefined> {
    const shares: number[] = [];
    for (const id of ids) {
      const now = await readUsage(id);
      const before = this.last.get(id);
      if (now) this.last.set(id, now);
      // A counter that went back (the container restarted, or stopped and reads zero) starts a new period.
      if (!now || !before || now.atNs <= before.atNs || now.usageNs < before.usageNs) continue;
      const elapsedNs = Number(now.atNs - before.atNs);
      shares.push((100 * (now.usageNs - before.usageNs)) / (elapsedNs * this.vcpus));
    }
    for (const id of this.last.keys()) if (!ids.includes(id)) this.last.delete(id);
    if (shares.length === 0) return undefined;
    return shares.reduce((sum, share) => sum + share, 0) / shares.length;
  }
}
