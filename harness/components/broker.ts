import { join } from "node:path";
import { BROKER_STOMP_PORT } from "../cdk/stand-in-entries/broker-stand-in.ts";
import { BrokerContainer, brokerListening } from "../containers/broker-container.ts";
import { startReady } from "../containers/exit-aware-wait.ts";
import { waitResumed } from "../containers/resumed-wait.ts";
import { EnvironmentError } from "../errors.ts";
import { issueCertificate } from "../tls/local-ca.ts";
import type { ComponentKind } from "./component.ts";
import { addressOn } from "../drills/address-on.ts";
import { checkRelays } from "./broker-relays.ts";
import { dataVolume } from "./data-volume.ts";
import { startOrResume, type TwinContainer } from "./resume.ts";

declare module "./component.ts" {
  interface TwinSteps {
    /** Phase 2: the message broker accepting its user over STOMP on TLS. */
    broker: TwinContainer;
    /** ... with every instance of the group relaying through it (its user accepted). */
    "broker:relays": undefined;
  }
}

/** mq.t3.micro, the stacks' broker instance type: 2 vCPUs and 1 GiB. */
const MQ_T3_MICRO = { cpus: 2, memoryGiB: 1 } as const;

/**
 * Amazon MQ for ActiveMQ (phase 2): Debian's ActiveMQ on the private network only, by the name the
 * deployed STOMP endpoint gives it, with a certificate for that name from the environment's CA and the
 * user from the deployed secret; its persistent messages on a data volume of its own (kept as the
 * database's is). The instances relay their STOMP traffic through it; the broker's
 * security group admits 61614 from theirs only (bring-up's firewall step).
 */
export const broker: ComponentKind = {
  kind: "broker",
  standsIn: ["AWS::AmazonMQ::Broker"],
  summary: "Amazon MQ for ActiveMQ (Debian's ActiveMQ, STOMP over TLS)",
  image: "broker",
  instances: (shape) => (shape?.phase === 2 ? [{ name: "broker", step: "broker" }] : []),
  tailOnFailure: true,
  plan(graph, { config, environment, owner, dir, labels, containerName, resume }) {
    if (config.phase !== 2) return;
    graph.add("broker", {
      component: "broker",
      what: "ActiveMQ accepting its user over STOMP on TLS",
      needs: ["networks", "image:broker", "ca", "deploy"],
      run: ({ networks, ca, deploy, ...images }, signal) => {
        const deployed = deploy.broker;
        if (!deployed)
          throw new EnvironmentError("the deployed backend has no message broker (phase 2 runs one)");
        if (deployed.port !== BROKER_STOMP_PORT)
          throw new EnvironmentError(
            `the deployed broker's STOMP port is ${deployed.port}; Amazon MQ's (and the twin's broker's) is ${BROKER_STOMP_PORT}`,
          );
        const ready = (id: string, wait: AbortSignal) =>
          waitResumed(id, "broker", () => brokerListening(id, BROKER_STOMP_PORT), wait);
        return startOrResume(
          resume,
          "broker",
          {
            start: async () => {
              const certificate = await issueCertificate(ca, [deployed.host], join(dir, "certs"), "broker");
              const volume = await dataVolume(environment, owner, "broker-data", "broker");
              const container = await BrokerContainer.create({
                image: images["image:broker"],
                owner,
                network: networks.private,
                host: deployed.host,
                resolver: networks.addresses.resolver.private,
                certificate,
                user: deployed,
                limits: MQ_T3_MICRO,
                dataVolume: volume,
              });
              return startReady(
                container.withLabels(labels("broker")).withName(containerName("broker")),
                signal,
                "broker",
              );
            },
            ready,
            ...(ca.created ? { replaceBecause: "the environment's CA was made anew" } : {}),
          },
          signal,
        );
      },
    });
    graph.add("broker:relays", {
      component: "broker",
      what: "every instance relaying through it",
      needs: ["broker", "fleet", "networks"],
      run: async ({ broker: started, fleet, networks }, signal) => {
        const members = await Promise.all(
          fleet.members.map(async (member) => ({
            name: `${member.name} (${member.instance.instanceId})`,
            address: await addressOn(member.container.getId(), networks.private),
          })),
        );
        await checkRelays(started.getId(), members, signal);
        return undefined;
      },
    });
  },
  // The compose twin runs phase 1 only.
  compose: () => ({}),
};
