import { loadConfig } from "../config.ts";
import { formatMs, out, say } from "../support/progress.ts";
import { WAKE_SIGNAL } from "./controller-process.ts";
import { readDesired } from "./fleet-desired.ts";
import { fleetMembers } from "./fleet-members.ts";
import { pendingRefresh, requestRefresh } from "./fleet-refresh.ts";
import { untilGroup, watchedGroup } from "./scale-cli.ts";

/**
 * `npm run env:refresh`: Auto Scaling's instance refresh on the running phase-2 twin. Every instance is
 * replaced by a new one from the launch template, one at a time, the new one healthy in the target group
 * before the old one drains (the deregistration delay) and terminates; this waits until none of the old
 * instances is left and the group is whole.
 */
export async function envRefresh(argv: readonly string[]): Promise<number> {
  if (argv.length > 0) {
    say(`env:refresh takes no arguments (got: ${argv.join(" ")})`);
    return 64;
  }
  const group = await watchedGroup(loadConfig());
  if (typeof group === "number") return group;
  const { dir, name } = group.environment;
  const old = (await fleetMembers(name)).flatMap((member) => (member.instanceId ? [member.instanceId] : []));
  if (pendingRefresh(dir)) say("[refresh] a refresh was pending: it is replaced by this one");
  requestRefresh(dir, old);
  process.kill(group.pid, WAKE_SIGNAL);
  const desired = readDesired(dir, group.fleet);
  const took = await untilGroup(group, `${old.length} instances replaced`, (members, healthy) => {
    const running = members.filter((member) => member.state === "running");
    return (
      !pendingRefresh(dir) &&
      !members.some((member) => member.instanceId && old.includes(member.instanceId)) &&
      running.length === desired &&
      healthy === desired
    );
  });
  const now = (await fleetMembers(name)).map((member) => `${member.name} ${member.instanceId ?? "?"}`);
  out(`instance refresh done after ${formatMs(took)}: ${old.length} replaced, now ${now.join(", ")}`);
  return 0;
}
