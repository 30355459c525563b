import { readFileSync, statSync } from "node:fs";
import { ConfigError } from "../errors.ts";

/** HARNESS_APP_ENV_FILE, checked: its KEY=VALUE lines (blank lines and comments dropped) and the keys. */
export interface AppEnvFile {
  readonly content: string;
  readonly keys: readonly string[];
}

const FIX =
  "write one KEY=VALUE per line (KEY: letters, digits and _, not starting with a digit; # starts a comment), as a systemd EnvironmentFile holds them";

/**
 * Reads the settings a user adds to the instance's environment file. A line that is not KEY=VALUE is
 * named by its number only: no value ever appears in an error or in any output.
 */
export function readAppEnvFile(path: string): AppEnvFile {
  if (!statSync(path, { throwIfNoEntry: false })?.isFile())
    throw new ConfigError(`HARNESS_APP_ENV_FILE=${path} is not a file`, FIX);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(
      `HARNESS_APP_ENV_FILE=${path} cannot be read (${(error as NodeJS.ErrnoException).code})`,
      FIX,
    );
  }
  const lines: string[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === "" || /^\s*[#;]/.test(line)) return;
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(line))
      throw new ConfigError(`HARNESS_APP_ENV_FILE=${path}: line ${index + 1} is not KEY=VALUE`, FIX);
    lines.push(line);
  });
  return {
    content: lines.length > 0 ? `${lines.join("\n")}\n` : "",
    keys: [...new Set(lines.map((line) => line.slice(0, line.indexOf("="))))],
  };
}
