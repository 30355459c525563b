import { randomBytes } from "node:crypto";
import { startReady } from "../containers/exit-aware-wait.ts";
import { LoadBalancerContainer } from "../containers/load-balancer-container.ts";
import { deregisterTarget, registerTarget, targetHealth } from "../containers/load-balancer-targets.ts";
import { waitResumed } from "../containers/resumed-wait.ts";
import { EnvironmentError } from "../errors.ts";
import { say } from "../support/progress.ts";
import { tlsHandshakes } from "../support/tls-handshakes.ts";
import type { ComponentKind } from "./component.ts";
import { startOrResume, type TwinContainer } from "./resume.ts";

declare module "./component.ts" {
  interface TwinSteps {
    /** Phase 2: HAProxy listening as the ALB, its target slots empty. */
    alb: TwinContainer;
    /** ... with every instance of the group registered (each past one health check). */
    "alb:targets": TwinContainer;
  }
}

/** How long a registered target may take to pass its first health check (it is healthy already). */
const REGISTRATION_TIMEOUT_MS = 60_000;

/**
 * The application load balancer (phase 2): HAProxy configured from the ELBv2 resources, at the API's
 * entry point (80 and 443) and at the address the API's name leads to inside the twin; the group's
 * instances registered in its target group once each passes a health check.
 */
export const loadBalancer: ComponentKind = {
  kind: "alb",
  standsIn: [
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::ElasticLoadBalancingV2::Listener",
    "AWS::ElasticLoadBalancingV2::TargetGroup",
  ],
  summary: "the application load balancer (HAProxy)",
  image: "haproxy",
  instances: (shape) => (shape?.phase === 2 ? [{ name: "alb", step: "alb:targets" }] : []),
  tailOnFailure: true,
  plan(graph, { config, owner, entries, labels, containerName, resume }) {
    if (config.phase !== 2) return;
    graph.add("alb", {
      component: "alb",
      what: "HAProxy listening as the ALB",
      needs: ["networks", "image:haproxy", "certificate:api", "ca", "deploy"],
      run: ({ networks, deploy, ca, ...inputs }, signal) => {
        const { loadBalancer: balancer, fleet } = deploy.topology;
        if (!balancer || !fleet)
          throw new EnvironmentError("the deployed backend has no load balancer (phase 2 runs one)");
        const handshakes = () =>
          tlsHandshakes(entries.api.address, balancer.https.port, deploy.apiName, ca.certFile);
        return startOrResume(
          resume,
          "alb",
          {
            start: async () => {
              const started = await startReady(
                new LoadBalancerContainer({
                  image: inputs["image:haproxy"],
                  owner,
                  balancer,
                  certificate: inputs["certificate:api"],
                  // Where the API's name leads inside the twin (the twin's records), as the ALB's nodes.
                  networks: [{ name: networks.public, ip: networks.addresses.app }],
                  // Room for a group at its maximum while another set replaces it.
                  slots: { count: 2 * fleet.maxSize, cookieKey: randomBytes(16).toString("hex") },
                  entryAddress: entries.api.address,
                })
                  .withLabels(labels("alb"))
                  .withName(containerName("alb")),
                signal,
                "alb",
              );
              await waitResumed(started.getId(), "alb", handshakes, signal);
              return started;
            },
            ready: (id, wait) => waitResumed(id, "alb", handshakes, wait),
            ...(ca.created ? { replaceBecause: "the environment's CA was made anew" } : {}),
          },
          signal,
        );
      },
    });
    graph.add("alb:targets", {
      component: "alb",
      what: "the group's instances registered and healthy",
      needs: ["alb", "fleet", "deploy"],
      run: async ({ alb, fleet, deploy }) => {
        const balancer = deploy.topology.loadBalancer;
        if (!balancer) throw new EnvironmentError("the deployed backend has no load balancer");
        for (const member of fleet.members) {
          const slot = await registerTarget(
            alb.getId(),
            balancer,
            { name: member.name, address: member.address },
            REGISTRATION_TIMEOUT_MS,
          );
          say(`[alb] ${member.name} (${member.instance.instanceId}, ${member.address}) healthy in ${slot}`);
        }
        // A kept load balancer may still list instances that are gone (an address a restart moved).
        const current = new Set(fleet.members.map((member) => member.address));
        for (const stale of await targetHealth(alb.getId(), balancer)) {
          if (current.has(stale.address)) continue;
          await deregisterTarget(alb.getId(), balancer, stale.address, 0);
          say(`[alb] ${stale.address} deregistered from ${stale.slot}: no instance of the group has it now`);
        }
        return alb;
      },
    });
  },
  // The compose twin runs phase 1 only.
  compose: () => ({}),
};
