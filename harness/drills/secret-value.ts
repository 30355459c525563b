import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { emulatorClients } from "../cdk/emulator-clients.ts";
import type { Environment } from "../twin/environment.ts";

/**
 * A secret's value as the stacks deployed it to the emulator (the database's region holds the stacks'
 * secrets); undefined when it has no string value. Callers must never print it.
 */
export async function secretValue(environment: Environment, secretArn: string): Promise<string | undefined> {
  const secrets = emulatorClients(environment.emulator.endpoint, environment.database.secretRegion).secrets;
  return (await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString;
}
