import { EnvironmentError } from "../errors.ts";
import { run } from "../support/run.ts";
import {
  LABEL_COMPONENT,
  LABEL_EC2_INSTANCE,
  LABEL_LAUNCH_TEMPLATE_VERSION,
  LABEL_LAUNCHED_AT,
  LABEL_OWNER,
  LABEL_ZONE,
  networkNameOf,
  ownerOf,
} from "./identity.ts";

/** One of the group's instance containers as the engine reports it. */
export interface RunningMember {
  readonly name: string;
  readonly id: string;
  /** Docker's state: running, exited, ... */
  readonly state: string;
  readonly instanceId: string | undefined;
  readonly availabilityZone: string | undefined;
  /** Its address on the public network (where the load balancer reaches it), while it has one. */
  readonly address: string | undefined;
  /** The launch template version it was launched from, and when (epoch ms), from its labels. */
  readonly launchTemplateVersion: string | undefined;
  readonly launchedAt: number | undefined;
}

const MEMBER = /^app-(\d+)$/;
const indexOf = (name: string) => Number(MEMBER.exec(name)?.[1] ?? 0);

/** The group's instance containers of an environment (app-1, app-2, ...), in name order. */
export async function fleetMembers(environment: string): Promise<RunningMember[]> {
  const network = networkNameOf(environment, "public");
  const format = [
    "{{.ID}}",
    `{{.Label "${LABEL_COMPONENT}"}}`,
    "{{.State}}",
    `{{.Label "${LABEL_EC2_INSTANCE}"}}`,
    `{{.Label "${LABEL_ZONE}"}}`,
    `{{.Label "${LABEL_LAUNCH_TEMPLATE_VERSION}"}}`,
    `{{.Label "${LABEL_LAUNCHED_AT}"}}`,
  ].join("\t");
  const listed = await run("docker", [
    "ps",
    "-a",
    "--filter",
    `label=${LABEL_OWNER}=${ownerOf(environment)}`,
    "--format",
    format,
  ]);
  // An empty list from a failed listing would read as a group with no instances: launches, clashes.
  if (listed.code !== 0)
    throw new EnvironmentError(`cannot list the group's instances: docker ps: ${listed.stderr.trim()}`);
  const rows = listed.stdout
    .split("\n")
    .map((line) => line.split("\t"))
    .filter(([, name]) => name !== undefined && MEMBER.test(name));
  const members = await Promise.all(
    rows.map(async ([id = "", name = "", state = "", instanceId, zone, version, launched]) => {
      const inspected = await run("docker", [
        "inspect",
        "--format",
        `{{with index .NetworkSettings.Networks "${network}"}}{{.IPAddress}}{{end}}`,
        id,
      ]);
      const address = inspected.stdout.trim();
      return {
        name,
        id,
        state,
        instanceId: instanceId || undefined,
        availabilityZone: zone || undefined,
        address: /^\d+\.\d+\.\d+\.\d+$/.test(address) ? address : undefined,
        launchTemplateVersion: version || undefined,
        launchedAt: launched && !Number.isNaN(Date.parse(launched)) ? Date.parse(launched) : undefined,
      };
    }),
  );
  return members.sort((a, b) => indexOf(a.name) - indexOf(b.name));
}

/** The name a new instance gets: the lowest app-N no instance holds. */
export function memberName(taken: readonly string[]): string {
  for (let index = 1; ; index += 1) if (!taken.includes(`app-${index}`)) return `app-${index}`;
}

type ScaleInCandidate = Pick<
  RunningMember,
  "name" | "availabilityZone" | "launchTemplateVersion" | "launchedAt"
>;

/** The members for which `measure` is least (a missing measure never wins; all missing keeps all). */
function leastBy<T>(members: readonly T[], measure: (member: T) => number | undefined): T[] {
  const measured = members.filter((member) => measure(member) !== undefined);
  if (measured.length === 0) return [...members];
  const least = Math.min(...measured.map((member) => measure(member) as number));
  return measured.filter((member) => measure(member) === least);
}

const HOUR_MS = 3_600_000;

/**
 * The instance a scale-in takes, as Auto Scaling's default termination policy picks it: from the zone
 * with the most instances; among those, the ones of the oldest launch template version (a version
 * EC2 did not number, such as $Default, counts as unknown); then the one closest to its next instance
 * hour (AWS's real hour: HARNESS_TIME_SCALE does not shorten billing); any tie left, at random.
 */
export function scaleInChoice<T extends ScaleInCandidate>(
  members: readonly T[],
  now = Date.now(),
  random: () => number = Math.random,
): T {
  const inZone = (zone: string | undefined) =>
    members.filter((member) => member.availabilityZone === zone).length;
  const zoned = leastBy(members, (member) => -inZone(member.availabilityZone));
  const oldestTemplate = leastBy(zoned, (member) => {
    const version = Number(member.launchTemplateVersion);
    return Number.isInteger(version) ? version : undefined;
  });
  const closestToHour = leastBy(oldestTemplate, (member) =>
    member.launchedAt === undefined
      ? undefined
      : Math.floor((HOUR_MS - ((now - member.launchedAt) % HOUR_MS)) / 1000),
  );
  const choice = closestToHour[Math.floor(random() * closestToHour.length)] ?? closestToHour[0];
  if (!choice) throw new Error("a scale-in needs at least one instance");
  return choice;
}
