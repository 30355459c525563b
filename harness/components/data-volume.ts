import { run } from "../support/run.ts";
import { LABEL_DATA, LABEL_OWNER, volumeNameOf } from "../twin/identity.ts";
import { EnvironmentError } from "../twin/twin-setup.ts";

/**
 * A component's data volume (a database node's cluster, the broker's message store), named after the
 * environment and labelled as data: env:down --keep-data and a failed resume keep it. Made if missing.
 */
export async function dataVolume(
  environment: string,
  owner: string,
  volume: string,
  holder: "database" | "broker",
): Promise<string> {
  const name = volumeNameOf(environment, volume);
  const labels = ["--label", `${LABEL_OWNER}=${owner}`, "--label", `${LABEL_DATA}=${holder}`];
  const created = await run("docker", ["volume", "create", ...labels, name]);
  if (created.code !== 0)
    throw new EnvironmentError(`cannot create the volume ${name}: ${created.stderr.trim()}`);
  return name;
}
