import { run } from "../support/run.ts";
import { sqlLiteral } from "../support/sql-literal.ts";
import { EnvironmentError } from "../twin/twin-setup.ts";

/** The database container's own superuser (as RDS keeps rdsadmin); the app uses the template's master user. */
export const BOOTSTRAP_SUPERUSER = "rdsadmin";

/** The text without the password, raw or as an SQL literal quotes it. */
const scrub = (text: string, password: string) =>
  [password, password.replace(/'/g, "''")].reduce(
    (out, secret) => out.split(secret).join("<password>"),
    text,
  );

const sqlIdentifier = (value: string) => `"${value.replace(/"/g, '""')}"`;

/**
 * Creates the master user with the deployed secret's password, and its database, as RDS does at
 * CreateDBInstance; on kept data, where both exist, sets the user's password to the secret's (as a
 * master-password change does). The SQL goes in on stdin: the password is in no command line and no
 * configuration. Says whether the user was there already.
 */
export async function createMasterUser(
  container: string,
  database: { readonly name: string; readonly user: string; readonly password: string },
): Promise<"created" | "existed"> {
  const user = sqlIdentifier(database.user);
  const role = sqlLiteral(database.user);
  const sql = [
    // A failing statement would be written to the server's log with the password in it.
    "SET log_min_error_statement = panic;",
    `SELECT 'existing:' || count(*) FROM pg_roles WHERE rolname = ${role};`,
    `SELECT ${sqlLiteral(`CREATE ROLE ${user} LOGIN CREATEDB CREATEROLE`)} WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${role}) \\gexec`,
    `ALTER ROLE ${user} PASSWORD ${sqlLiteral(database.password)};`,
    `SELECT ${sqlLiteral(`CREATE DATABASE ${sqlIdentifier(database.name)} OWNER ${user}`)} WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = ${sqlLiteral(database.name)}) \\gexec`,
  ].join("\n");
  const psql = [
    "psql",
    "-U",
    BOOTSTRAP_SUPERUSER,
    "-d",
    "postgres",
    "-v",
    "ON_ERROR_STOP=1",
    "-q",
    "-t",
    "-A",
  ];
  const result = await run("docker", ["exec", "-i", container, ...psql], { input: sql });
  if (result.code !== 0) {
    throw new EnvironmentError(
      // psql may quote the failing statement: the password never reaches the message.
      `cannot create the database's master user ${database.user} and database ${database.name}: ${scrub(result.stderr, database.password).trim()}`,
    );
  }
  return /existing:1/.test(result.stdout) ? "existed" : "created";
}
