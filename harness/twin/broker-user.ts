import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { BACKEND_OUTPUTS, type BackendOutput } from "../../infra/lib/stack-outputs.ts";
import type { DeployedStack } from "../cdk/deployed-stack.ts";
import type { EmulatorClients } from "../cdk/emulator-clients.ts";
import { EnvironmentError } from "../errors.ts";

/** Phase 2's message broker as the deploy made it: where it listens, and its user from the secret. */
export interface DeployedBroker {
  /** The STOMP endpoint's host and port (stomp+ssl://<host>:<port>), the name its certificate carries. */
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  /** The secret's value as deployed (kept between runs, put back after a redeploy). */
  readonly secretString: string;
}

/** stomp+ssl://host:port, the one form Amazon MQ gives its STOMP endpoint. */
export function parseStompEndpoint(endpoint: string): { host: string; port: number } {
  const match = /^stomp\+ssl:\/\/([a-z0-9.-]+):(\d+)$/i.exec(endpoint.trim());
  if (!match?.[1] || !match[2])
    throw new EnvironmentError(
      `the broker's STOMP endpoint ${JSON.stringify(endpoint)} is not stomp+ssl://<host>:<port>`,
    );
  return { host: match[1], port: Number(match[2]) };
}

/**
 * The broker of a deployed backend, when it has one (phases 2 and later): its endpoint from the stack's
 * output and its user from the secret the instances read, as their user data reads it.
 */
export async function readDeployedBroker(
  backend: DeployedStack<BackendOutput>,
  clients: EmulatorClients,
): Promise<DeployedBroker | undefined> {
  const arn = backend.outputs[BACKEND_OUTPUTS.brokerSecretArn];
  const endpoint = backend.outputs[BACKEND_OUTPUTS.brokerStompEndpoint];
  if (!arn && !endpoint) return undefined;
  if (!arn || !endpoint)
    throw new EnvironmentError("the deployed backend names a broker's endpoint or its secret, not both");
  const value = await clients.secrets.send(new GetSecretValueCommand({ SecretId: arn }));
  const user = JSON.parse(value.SecretString ?? "{}") as { username?: unknown; password?: unknown };
  if (typeof user.username !== "string" || typeof user.password !== "string" || !value.SecretString)
    throw new EnvironmentError(`the broker's secret ${arn} in the emulator has no username or password`);
  return {
    ...parseStompEndpoint(endpoint),
    username: user.username,
    password: user.password,
    secretString: value.SecretString,
  };
}
