/**
 * What the twin's containers tried to reach outside it: the names they looked up that the twin's resolver
 * does not hold (each answered NXDOMAIN, so nothing was sent anywhere), read from its query log; and the
 * packets for addresses outside the twin that an egress guard blocked (harness/twin/blocked-packets.ts).
 */
export interface EgressAttempt {
  /** The component instance that tried (or the address, when it is none of the environment's). */
  readonly from: string;
  /** What it tried to reach: a name it looked up, or an address with its port ("203.0.113.7:443"). */
  readonly target: string;
  readonly outcome: "NXDOMAIN" | "blocked";
  /** How many lookups (a lookup of both A and AAAA counts once), or packets blocked (one per TCP connect). */
  readonly count: number;
  readonly first: string;
  readonly last: string;
}

interface Miss {
  readonly at: string;
  readonly from: string;
  readonly name: string;
  readonly type: string;
}

// With `docker logs --timestamps` and dnsmasq's log-queries=extra: "<time> dnsmasq[1]: <id> <from>/<port> ..."
const QUERY = /^(\S+) dnsmasq\[\d+\]: (\d+) ([\d.]+)\/\d+ query\[(\w+)\] (\S+) from [\d.]+$/;
const NXDOMAIN = /^\S+ dnsmasq\[\d+\]: (\d+) [\d.]+\/\d+ config (\S+) is NXDOMAIN$/;

/** Every query the resolver answered NXDOMAIN, with when, from where and for which record type. */
export function resolverMisses(log: string): Miss[] {
  const queries = new Map<string, Miss>();
  const misses: Miss[] = [];
  for (const line of log.split("\n")) {
    const query = QUERY.exec(line.trim());
    if (query) {
      const [, at = "", id = "", from = "", type = "", name = ""] = query;
      queries.set(id, { at, from, name: name.toLowerCase(), type });
      continue;
    }
    const miss = NXDOMAIN.exec(line.trim());
    const asked = miss ? queries.get(miss[1] ?? "") : undefined;
    if (asked && asked.name === miss?.[2]?.toLowerCase()) misses.push(asked);
  }
  return misses;
}

/**
 * The misses by who asked and for what, most frequent first. `whoIs` names the instance behind an
 * address (the app, the edge, ...).
 */
export function egressAttempts(misses: readonly Miss[], whoIs: (address: string) => string): EgressAttempt[] {
  const groups = new Map<string, Miss[]>();
  for (const miss of misses) {
    const key = `${whoIs(miss.from)}\t${miss.name}`;
    groups.set(key, [...(groups.get(key) ?? []), miss]);
  }
  return [...groups.entries()]
    .map(([key, list]): EgressAttempt => {
      const [from = "", target = ""] = key.split("\t");
      const perType = new Map<string, number>();
      for (const miss of list) perType.set(miss.type, (perType.get(miss.type) ?? 0) + 1);
      const times = list.map((miss) => miss.at).sort();
      return {
        from,
        target,
        outcome: "NXDOMAIN",
        count: Math.max(...perType.values()),
        first: times[0] ?? "",
        last: times.at(-1) ?? "",
      };
    })
    .sort((a, b) => b.count - a.count || a.from.localeCompare(b.from) || a.target.localeCompare(b.target));
}

/** The attempts of both kinds, most frequent first. */
export function byFrequency(attempts: readonly EgressAttempt[]): EgressAttempt[] {
  return [...attempts].sort(
    (a, b) => b.count - a.count || a.from.localeCompare(b.from) || a.target.localeCompare(b.target),
  );
}

/**
 * One line of the report: "app looked up o1.tracker.example (NXDOMAIN: not in the twin, 4 times)", or
 * "app tried to reach 203.0.113.7:443 (blocked, 4 times)".
 */
export function describeAttempt(attempt: EgressAttempt): string {
  const times = attempt.count === 1 ? "once" : `${attempt.count} times`;
  return attempt.outcome === "blocked"
    ? `${attempt.from} tried to reach ${attempt.target} (blocked, ${times})`
    : `${attempt.from} looked up ${attempt.target} (NXDOMAIN: not in the twin, ${times})`;
}
