import { GetSecretValueCommand, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import type { RemovedType } from "../stand-in-entry.ts";
import { TWIN_HOSTS } from "../twin-hosts.ts";

/**
 * The attachment of the database's secret to its instance. Its target is a stand-in, so the harness
 * writes the connection fields AWS would add (host, port, engine, instance) into the deployed secret.
 */
export const SECRET_TARGET_ATTACHMENT: RemovedType = {
  type: "AWS::SecretsManager::SecretTargetAttachment",
  coverage: "service-api",
  how: "Secrets Manager PutSecretValue adds host, port, dbname and engine after the deploy (its target, the RDS instance, is a stand-in)",
  // In AWS, Ref of an attachment is the ARN of the secret it attached to.
  beforeDeploy: async ({ resource }) => ({ ref: resource.Properties?.SecretId }),
  afterDeploy: async ({ properties, clients, resolve, replacements }) => {
    const secretId = resolve(properties.SecretId);
    const current = await clients.secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
    const value = JSON.parse(current.SecretString ?? "{}") as Record<string, unknown>;
    const targetRef = (properties.TargetId as { Ref?: string } | undefined)?.Ref;
    const identifier = targetRef === undefined ? undefined : replacements.get(targetRef)?.ref;
    await clients.secrets.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        SecretString: JSON.stringify({
          ...value,
          engine: "postgres",
          host: TWIN_HOSTS.database,
          port: 5432,
          dbInstanceIdentifier: typeof identifier === "string" ? identifier : undefined,
        }),
      }),
    );
  },
};
