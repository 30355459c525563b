import type { RemovedType } from "../stand-in-entry.ts";
import { TWIN_HOSTS } from "../twin-hosts.ts";
import { stableId } from "./stable-id.ts";

/** Amazon MQ's STOMP port: STOMP over TLS is the only STOMP it offers. */
export const BROKER_STOMP_PORT = 61614;

/** The Amazon MQ broker, played by the twin's broker container on the private network (harness/components/broker.ts). */
export const BROKER_STAND_IN: RemovedType = {
  type: "AWS::AmazonMQ::Broker",
  coverage: "stand-in",
  how: `the twin's message broker at ${TWIN_HOSTS.broker}:${BROKER_STOMP_PORT} (STOMP over TLS): Debian's ActiveMQ 5.17.6 for 5.18, on the private network only, its certificate from the environment's CA, its user from the deployed secret`,
  beforeDeploy: async ({ stack, logicalId, account }) => {
    // Shaped as Amazon MQ's broker ids: b- and a UUID.
    const hex = stableId(32, stack.stackName, logicalId);
    const id = `b-${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    const arn = `arn:aws:mq:${stack.region}:${account}:broker:threadcast-broker:${id}`;
    return {
      ref: id,
      attributes: {
        Arn: arn,
        Id: id,
        StompEndpoints: [`stomp+ssl://${TWIN_HOSTS.broker}:${BROKER_STOMP_PORT}`],
        IpAddresses: [],
      },
    };
  },
};
