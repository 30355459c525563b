import { execFileSync } from "node:child_process";

/** The host addresses a container's port is published on, as Docker reports them (`docker port`). */
export function publishedAddresses(containerId: string, port: string): string[] {
  return execFileSync("docker", ["port", containerId, port], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}
