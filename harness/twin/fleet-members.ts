import { EnvironmentError } from "../errors.ts";
import { run } from "../support/run.ts";
import {
  LABEL_COMPONENT,
  LABEL_EC2_INSTANCE,
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
    rows.map(async ([id = "", name = "", state = "", instanceId, zone]) => {
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
      };
    }),
  );
  return members.sort((a, b) => indexOf(a.name) - indexOf(b.name));
}

/** The name a new instance gets: the lowest app-N no instance holds. */
export function memberName(taken: readonly string[]): string {
  for (let index = 1; ; index += 1) if (!taken.includes(`app-${index}`)) return `app-${index}`;
}

/**
 * The instance a scale-in takes, as Auto Scaling's default termination policy picks it among instances
 * of one launch template version: from the zone with the most instances, the newest there (the highest
 * app-N, launched last).
 */
export function scaleInChoice<T extends Pick<RunningMember, "name" | "availabilityZone">>(
  members: readonly T[],
): T {
  const count = (zone: string | undefined) =>
    members.filter((member) => member.availabilityZone === zone).length;
  const most = Math.max(...members.map((member) => count(member.availabilityZone)));
  const candidates = members.filter((member) => count(member.availabilityZone) === most);
  const choice = candidates.reduce((newest, member) =>
    indexOf(member.name) > indexOf(newest.name) ? member : newest,
  );
  return choice;
}
