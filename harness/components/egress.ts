import { ensureEgressGuard, guardScript, type EgressGuardSpec } from "../containers/egress-guard.ts";
import { composeSubnet } from "./compose-parts.ts";
import { fleetInstances } from "./app-fleet.ts";
import type { ComponentKind, PlanContext, StartedGroup, TwinNetworks } from "./component.ts";
import type { ResumeLog, TwinContainer } from "./resume.ts";

/**
 * The instances whose network namespace has a route out of the twin (they are on the public network,
 * which Docker masquerades): each gets a guard. The database and the message broker are on the internal
 * network only, which has no route: what they might send fails before any packet exists, so there is
 * nothing to refuse or see.
 * The proxy shares the instance's namespace, so the instance's guard covers it.
 */
export const GUARDED = ["emulator", "app", "edge", "dns"] as const;
export type Guarded = (typeof GUARDED)[number] | "alb";

/**
 * The guarded instances of a phase, by the steps that start them. Phase 2's instances are guarded as
 * phase 1's is, while they boot: `egress:fleet` names their guards.
 */
function guardedIn(phase: 1 | 2 | undefined): readonly Guarded[] {
  return phase === 2 ? ["emulator", "alb", "edge", "dns"] : GUARDED;
}

declare module "./component.ts" {
  interface TwinSteps {
    "egress:emulator": TwinContainer;
    "egress:app": TwinContainer;
    "egress:edge": TwinContainer;
    "egress:dns": TwinContainer;
    "egress:alb": TwinContainer;
    /** Phase 2: the guards of the group's instances (put in while each boots). */
    "egress:fleet": StartedGroup;
  }
}

/** The guard's instance name: `app-egress` guards the app. */
export const guardOf = (target: Guarded | string) => `${target}-egress`;

/** The guard of `target` in this environment, allowing the twin's two subnets. */
export function guardSpec(
  context: Pick<PlanContext, "labels" | "containerName">,
  target: Guarded | string,
  image: string,
  networks: TwinNetworks,
): EgressGuardSpec {
  return {
    image,
    name: context.containerName(guardOf(target)),
    labels: context.labels(guardOf(target)),
    allowed: [networks.subnets.public, networks.subnets.private],
  };
}

/** Puts the guard in place (see ensureEgressGuard) and records what was done for env:up's resume lines. */
export async function guardInstance(
  spec: EgressGuardSpec,
  target: Guarded | string,
  targetId: string,
  resume: ResumeLog,
  signal: AbortSignal,
): Promise<void> {
  const started = performance.now();
  const outcome = await ensureEgressGuard(spec, targetId, signal);
  const ms = performance.now() - started;
  const name = guardOf(target);
  if (outcome === "kept") resume.record(name, "kept", 0, "it was running");
  else if (outcome === "restarted") resume.record(name, "resumed", ms, `the ${target}'s namespace is new`);
  else if (resume.resuming) resume.record(name, "rebuilt", ms, "it was missing");
  else resume.record(name, "started", ms);
}

/**
 * The VPC's way out, closed: in each namespace with a route out, outbound packets to anything but
 * loopback and the twin's subnets are logged and refused, and a recorder keeps them on its log for the
 * egress report (netkit: iptables and tcpdump, with NET_ADMIN in the guarded namespace only).
 */
export const egress: ComponentKind = {
  kind: "egress",
  standsIn: [],
  summary: "outbound traffic refused and recorded (iptables + tcpdump)",
  image: "netkit",
  instances: (shape) => [
    ...guardedIn(shape?.phase).map((target) => ({
      name: guardOf(target),
      step: `egress:${target}` as const,
    })),
    ...(shape?.phase === 2
      ? fleetInstances(shape).map(({ name, member }) => ({
          name: guardOf(name),
          step: "egress:fleet" as const,
          member,
        }))
      : []),
  ],
  plan(graph, context) {
    if (context.config.phase === 2)
      graph.add("egress:fleet", {
        component: "egress",
        what: "the group's instances' outbound traffic refused and recorded",
        quiet: true,
        needs: ["fleet"],
        run: async ({ fleet }) => ({
          members: fleet.members.map(({ name }) => ({
            name: guardOf(name),
            container: { getId: () => context.containerName(guardOf(name)) },
          })),
        }),
      });
    for (const target of guardedIn(context.config.phase === 2 ? 2 : 1)) {
      graph.add(`egress:${target}`, {
        component: "egress",
        what: `${target}'s outbound traffic refused and recorded`,
        quiet: true,
        needs: [target, "networks", "image:netkit"],
        run: async (inputs, signal) => {
          const spec = guardSpec(context, target, inputs["image:netkit"], inputs.networks);
          // The instance's guard is put in while it boots (its boot waits for it): nothing more to do.
          if (context.resume.outcomeOf(guardOf(target)) === undefined)
            await guardInstance(
              spec,
              target,
              (inputs[target] as TwinContainer).getId(),
              context.resume,
              signal,
            );
          return { getId: () => spec.name };
        },
      });
    }
  },
  compose: ({ service, images }) =>
    Object.fromEntries(
      GUARDED.map((target) => [
        guardOf(target),
        service(guardOf(target), {
          image: images.netkit,
          network_mode: `service:${target}`,
          cap_add: ["NET_ADMIN"],
          command: ["sh", "-euc", guardScript([composeSubnet("public"), composeSubnet("private")])],
          depends_on: [target],
        }),
      ]),
    ),
};
