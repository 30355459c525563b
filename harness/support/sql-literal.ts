/** `value` as an SQL string literal (single quotes doubled), for statements sent to psql on stdin. */
export const sqlLiteral = (value: string): string => `'${value.replace(/'/g, "''")}'`;
