import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { emulatorClients } from "../../harness/cdk/emulator-clients.ts";
import { run } from "../../harness/support/run.ts";
import type { Environment } from "../../harness/twin/environment.ts";

/** The database password, from the secret the stacks deployed (as the instance reads it); never printed. */
async function password(environment: Environment): Promise<string> {
  const secrets = emulatorClients(environment.emulator.endpoint, environment.database.secretRegion).secrets;
  const value = await secrets.send(new GetSecretValueCommand({ SecretId: environment.database.secretArn }));
  return (JSON.parse(value.SecretString ?? "{}") as { password: string }).password;
}

/**
 * Runs SQL in the twin's database as its master user, over TCP inside the database container (the
 * database has no published port), and returns the rows as arrays of strings.
 */
export async function query(environment: Environment, sql: string): Promise<string[][]> {
  const result = await run("docker", [
    "exec",
    "-e",
    `PGPASSWORD=${await password(environment)}`,
    environment.containers.database,
    "psql",
    "-h",
    "127.0.0.1",
    "-U",
    environment.database.user,
    "-d",
    environment.database.name,
    "-v",
    "ON_ERROR_STOP=1",
    "-tA",
    "-F",
    "\t",
    "-c",
    sql,
  ]);
  if (result.code !== 0) throw new Error(`psql failed: ${result.stderr.trim()}`);
  return result.stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.split("\t"));
}

const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

/**
 * Where a value is stored, whatever the schema: every text column of the public schema that holds it,
 * as table.column. Scenarios use it to see that a write really reached PostgreSQL, for any jar.
 */
export async function whereStored(environment: Environment, value: string): Promise<string[]> {
  const columns = await query(
    environment,
    "select table_name, column_name from information_schema.columns where table_schema = 'public' and data_type in ('text', 'character varying')",
  );
  if (columns.length === 0) return [];
  const union = columns
    .map(
      ([table, column]) =>
        `select ${literal(`${table}.${column}`)} from "${table}" where "${column}" = ${literal(value)}`,
    )
    .join(" union all ");
  return (await query(environment, union)).map((row) => row[0] ?? "");
}
