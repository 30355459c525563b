import { run } from "../support/run.ts";
import { LABEL_COMPONENT, LABEL_DATA, LABEL_OWNER, ownerOf } from "./identity.ts";

/** A component instance's container as the engine reports it. */
export interface FoundContainer {
  readonly id: string;
  /** Docker's state: running, exited, created, restarting, paused, dead. */
  readonly state: string;
}

/** What exists of an environment in the engine: its containers by instance, its networks and data volumes. */
export interface Survey {
  readonly containers: Readonly<Record<string, FoundContainer>>;
  /** Containers with the owner label but no component: a drill's vantage point, the firewall's netkit. */
  readonly helpers: number;
  readonly networks: readonly string[];
  readonly dataVolumes: readonly string[];
}

const lines = (text: string) => text.split("\n").filter((line) => line.trim() !== "");

/** Everything of the environment that carries its owner label. */
export async function surveyEnvironment(name: string): Promise<Survey> {
  const owner = `label=${LABEL_OWNER}=${ownerOf(name)}`;
  const [containers, networks, volumes] = await Promise.all([
    run("docker", [
      "ps",
      "-a",
      "--filter",
      owner,
      "--format",
      `{{.ID}} {{.Label "${LABEL_COMPONENT}"}} {{.State}}`,
    ]),
    run("docker", ["network", "ls", "--filter", owner, "--format", "{{.Name}}"]),
    run("docker", [
      "volume",
      "ls",
      "--filter",
      owner,
      "--filter",
      `label=${LABEL_DATA}`,
      "--format",
      "{{.Name}}",
    ]),
  ]);
  const found: Record<string, FoundContainer> = {};
  let helpers = 0;
  for (const line of lines(containers.stdout)) {
    const [id, instance, state] = line.split(" ");
    if (id && instance && state) found[instance] = { id, state };
    else helpers += 1;
  }
  return {
    containers: found,
    helpers,
    networks: lines(networks.stdout),
    dataVolumes: lines(volumes.stdout),
  };
}

/** True when the engine holds nothing of the environment. */
export const isEmpty = (survey: Survey) =>
  containerCount(survey) === 0 && survey.networks.length === 0 && survey.dataVolumes.length === 0;

/** Every container of the environment, its components' and its helpers'. */
export const containerCount = (survey: Survey) => Object.keys(survey.containers).length + survey.helpers;
