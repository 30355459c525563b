import { run } from "../support/run.ts";
import type { Environment } from "../twin/environment.ts";
import { secretValue } from "./secret-value.ts";

/** The database password, from the secret the stacks deployed (as the instance reads it); never printed. */
async function password(environment: Environment): Promise<string> {
  const value = await secretValue(environment, environment.database.secretArn);
  return (JSON.parse(value ?? "{}") as { password: string }).password;
}

/**
 * Runs SQL in the twin's database as its master user, over TCP inside the database container (the
 * database has no published port), and returns the rows as arrays of strings.
 */
export async function psql(environment: Environment, sql: string): Promise<string[][]> {
  // `-e NAME` without a value hands the docker client's own variable over: never on a command line.
  const env = { ...process.env, PGPASSWORD: await password(environment) };
  const result = await run(
    "docker",
    [
      "exec",
      "-e",
      "PGPASSWORD",
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
    ],
    { env },
  );
  if (result.code !== 0) throw new Error(`psql failed: ${result.stderr.trim()}`);
  return result.stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.split("\t"));
}
