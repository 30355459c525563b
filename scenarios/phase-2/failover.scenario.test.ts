import { describe, expect } from "vitest";
import { loadConfig } from "../../harness/config.ts";
import { ImageResolver } from "../../harness/images/image-resolver.ts";
import { formatMs, say } from "../../harness/support/progress.ts";
import { waitFor } from "../../harness/support/wait-for.ts";
import { failoverDatabase } from "../../harness/twin/database-failover.ts";
import { currentTwin } from "../support/current-twin.ts";
import { test } from "../support/scenario-test.ts";

/** Acknowledged writes to wait for after each failover before the next step: the API writes again. */
const WRITES_AFTER = 3;

/** The longest time between two acknowledged writes: how long the writer could not write. */
const longestGap = (times: readonly number[]) =>
  times.slice(1).reduce((longest, time, index) => Math.max(longest, time - (times[index] ?? time)), 0);

/** RDS Multi-AZ's reboot with failover, with the API writing throughout: what AWS promises, kept. */
describe("phase 2: a Multi-AZ failover under a writer", () => {
  test("keeps every acknowledged write through a failover and a failback; the writer stops only while the standby takes over", async ({
    twin,
    api,
  }) => {
    const session = await api.register("Failover Writer");
    const workspace = await api.firstWorkspace(session);
    const netkit = (await new ImageResolver(loadConfig()).resolve("netkit")).reference;
    const acknowledged: string[] = [];
    const acknowledgedAt: number[] = [];
    let refused = 0;
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i += 1) {
        try {
          const mission = await api.createMission(session, workspace.id, `write ${i}`);
          acknowledged.push(mission.id);
          acknowledgedAt.push(Date.now());
        } catch {
          refused += 1;
        }
      }
    })();
    const writesAgain = (after: number) =>
      waitFor(`${WRITES_AFTER} writes acknowledged`, () =>
        acknowledged.length >= after + WRITES_AFTER ? true : undefined,
      );
    try {
      await writesAgain(0);
      // Over to the standby, then back: the original primary ends as the primary again, streaming.
      for (const leg of ["failover", "failback"]) {
        // The group's instances as they are now (an earlier scenario may have replaced them).
        const done = await failoverDatabase(currentTwin(twin), netkit);
        say(
          `[scenario] ${leg}: ${done.from} -> ${done.to}, promoted by ${formatMs(done.timingsMs.promoted)}`,
        );
        await writesAgain(acknowledged.length);
      }
    } finally {
      writing = false;
      await writer;
    }
    const stored = new Set(await api.missionIds(session, workspace.id));
    const lost = acknowledged.filter((id) => !stored.has(id));
    expect(lost, `acknowledged writes missing after the failovers (of ${acknowledged.length})`).toEqual([]);
    say(
      `[scenario] ${acknowledged.length} writes acknowledged, ${refused} refused; longest time without a write ${formatMs(longestGap(acknowledgedAt))}`,
    );
  });
});
