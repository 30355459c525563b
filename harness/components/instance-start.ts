import { INSTANCE_FILE_PATHS } from "../../infra/lib/constructs/api-user-data.ts";
import { EGRESS_LOG_GROUP } from "../containers/egress-guard.ts";
import { answers200, waitResumed } from "../containers/resumed-wait.ts";
import { run } from "../support/run.ts";
import { HEALTH_INSIDE_COMMAND, startApp } from "./app-start.ts";
import type { PlanContext, TwinSteps } from "./component.ts";
import { guardInstance, guardSpec } from "./egress.ts";
import { startOrResume, type TwinContainer } from "./resume.ts";

/** What an instance of the API is started from: the steps its start waits for. */
export type InstanceInputs = Pick<
  TwinSteps,
  "deploy" | "jar" | "image:instance" | "image:netkit" | "networks" | "certificate:api" | "ca"
>;

/** The steps an instance's start waits for (InstanceInputs), as a step's `needs`. */
export const INSTANCE_NEEDS = [
  "database",
  "deploy",
  "jar",
  "image:instance",
  "image:netkit",
  "networks",
  "certificate:api",
  "ca",
] as const;

/** One instance to start: its name, the user data EC2 hands it, and (phase 1 only) its entry point. */
export interface InstanceToStart {
  readonly name: string;
  readonly userData: string;
  /** Phase 1's Elastic IP stand-in: the loopback address its ports are published on. */
  readonly entryAddress?: string;
  /** Labels beside the instance's own (the EC2 instance a group's container plays). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Runs once its egress guard is in, before its boot runs anything (a new member's firewall). */
  readonly guarded?: (containerId: string) => Promise<void>;
  /** Why an existing container of this name cannot be kept (the EC2 instance it played is gone). */
  readonly replaceBecause?: string;
}

/** True when the instance answers 200 on /api/health from inside its own namespace. */
async function healthyInside(id: string): Promise<boolean> {
  const answered = await run("docker", ["exec", id, "bash", "-c", HEALTH_INSIDE_COMMAND]);
  return / 200 /.test(answered.stdout);
}

/**
 * An instance of the API, started (or kept, resumed, rebuilt) as EC2 builds it: its user data run at
 * first boot, then the release and the unit, with its egress guard in place before anything runs.
 */
export function startInstance(
  context: PlanContext,
  inputs: InstanceInputs,
  instance: InstanceToStart,
  signal: AbortSignal,
): Promise<TwinContainer> {
  const { config, owner, labels, containerName, resume } = context;
  const { name, entryAddress } = instance;
  const spec = guardSpec(context, name, inputs["image:netkit"], inputs.networks);
  const guard = async (id: string, wait: AbortSignal) => {
    await guardInstance(spec, name, id, resume, wait);
    await instance.guarded?.(id);
  };
  const healthy = (id: string, wait: AbortSignal) =>
    entryAddress === undefined
      ? healthyInside(id)
      : answers200(`http://${entryAddress}:8080/api/health`, wait);
  return startOrResume(
    resume,
    name,
    {
      start: () =>
        startApp(
          {
            image: inputs["image:instance"],
            release: { ...inputs.jar, unitFile: INSTANCE_FILE_PATHS.systemdUnit },
            userData: instance.userData,
            region: inputs.deploy.backend.stack.region,
            certificate: inputs["certificate:api"],
            // The broker's certificate is from the environment's CA, as Amazon MQ's is from a public one.
            ...(inputs.deploy.broker ? { trustedCa: inputs.ca.certFile } : {}),
            owner,
            labels: { ...labels(name), ...instance.labels },
            name: containerName(name),
            limits: inputs.deploy.topology.api,
            networks: inputs.networks,
            ...(entryAddress === undefined ? {} : { address: entryAddress }),
            secrets: [inputs.deploy.database.password, inputs.deploy.jwtSecret],
            startupTimeoutMs: config.appStartTimeoutMs,
            // Nothing the instance runs may reach outside the twin: its boot waits for the guard.
            egressGuard: { group: EGRESS_LOG_GROUP, put: (id) => guard(id, signal) },
          },
          signal,
        ),
      ready: async (id, wait) => {
        await guard(id, wait);
        await waitResumed(id, name, () => healthy(id, wait), wait, config.appStartTimeoutMs);
      },
      ...(instance.replaceBecause ? { replaceBecause: instance.replaceBecause } : {}),
    },
    signal,
  );
}
