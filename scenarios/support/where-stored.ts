import { psql } from "../../harness/drills/psql.ts";
import type { Environment } from "../../harness/twin/environment.ts";

const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

/**
 * Where a value is stored, whatever the schema: every text column of the public schema that holds it,
 * as table.column. Scenarios use it to see that a write really reached PostgreSQL, for any jar.
 */
export async function whereStored(environment: Environment, value: string): Promise<string[]> {
  const columns = await psql(
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
  return (await psql(environment, union)).map((row) => row[0] ?? "");
}
