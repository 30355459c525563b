import { readFileSync } from "node:fs";
import { HarnessError } from "../errors.ts";

/** What the twin needs from the EC2 instance's systemd unit to run the jar the same way. */
export interface ServiceUnit {
  /** ExecStart split into arguments (the unit uses no quoting). */
  readonly execStart: readonly string[];
  readonly environmentFile: string | undefined;
  readonly workingDirectory: string | undefined;
  readonly user: string | undefined;
  /** `Restart=` (no, always, on-failure, ...). */
  readonly restart: string;
  readonly restartSec: number;
  /** Exit statuses that count as a clean stop (SuccessExitStatus=). */
  readonly successExitStatus: readonly number[];
}

function seconds(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|sec|min)?$/.exec(value.trim());
  if (!match) throw new HarnessError(`RestartSec=${value} is not a duration the harness understands`);
  const amount = Number(match[1]);
  return match[2] === "ms" ? amount / 1000 : match[2] === "min" ? amount * 60 : amount;
}

/** Reads the [Service] section of a unit file; throws when it has no ExecStart. */
export function parseServiceUnit(text: string): ServiceUnit {
  const service = new Map<string, string>();
  let section = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)]$/.exec(line);
    if (header) {
      section = header[1] ?? "";
      continue;
    }
    const eq = line.indexOf("=");
    if (section === "Service" && eq > 0) service.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const execStart = service.get("ExecStart");
  if (!execStart) throw new HarnessError("the systemd unit has no ExecStart in its [Service] section");
  return {
    // A leading "-" or "@" prefix changes how systemd treats the command; the twin runs the command itself.
    execStart: execStart.replace(/^[-@+!]+/, "").split(/\s+/),
    environmentFile: service.get("EnvironmentFile")?.replace(/^-/, ""),
    workingDirectory: service.get("WorkingDirectory"),
    user: service.get("User"),
    restart: service.get("Restart") ?? "no",
    restartSec: seconds(service.get("RestartSec") ?? "0.1"),
    successExitStatus: (service.get("SuccessExitStatus") ?? "")
      .split(/\s+/)
      .filter((s) => /^\d+$/.test(s))
      .map(Number),
  };
}

export function readServiceUnit(path: string): ServiceUnit {
  return parseServiceUnit(readFileSync(path, "utf8"));
}
