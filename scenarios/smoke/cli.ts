import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { REPO_ROOT } from "../../harness/config.ts";
import type { Target } from "../../harness/client/target.ts";
import type { SmokeSettings } from "./target.ts";

const USAGE = `usage: npm run smoke -- --target <site URL>,<API URL> [--resolve <host>=<address> ...] [--ca <file>] [--write]
  --target    the deployment's base URLs, e.g. https://threadcast.io,https://api.threadcast.io
  --resolve   send a name to this address instead of asking DNS (a staging host, the local twin)
  --ca        trust this CA certificate instead of the system's (the local twin's CA)
  --write     also log in as the test account (SMOKE_EMAIL, SMOKE_PASSWORD) and create/delete a mission
Read-only by default. No container is started; only the target's names are contacted.`;

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n\n${USAGE}\n`);
  process.exit(64);
}

export function parseSmokeArgs(argv: readonly string[]): SmokeSettings {
  const values = (flag: string) =>
    argv.flatMap((arg, index) => (arg === flag ? [argv[index + 1] ?? ""] : []));
  const [targetArg] = values("--target");
  if (!targetArg) fail("--target is required");
  const [siteRaw, apiRaw] = targetArg.split(",").map((part) => part.trim());
  let site: URL;
  let api: URL;
  try {
    site = new URL(siteRaw ?? "");
    api = new URL(apiRaw ?? "");
  } catch {
    fail(`--target ${targetArg} is not two URLs separated by a comma`);
  }
  if (site.protocol !== "https:" || api.protocol !== "https:") fail("both target URLs must be https://");
  const hosts: Record<string, string> = {};
  for (const entry of values("--resolve")) {
    const [host, address] = entry.split("=");
    if (!host || !address || !/^\d+\.\d+\.\d+\.\d+$/.test(address))
      fail(`--resolve ${entry} is not <host>=<IPv4 address>`);
    hosts[host.toLowerCase()] = address;
  }
  const [ca] = values("--ca");
  if (ca !== undefined && !existsSync(ca)) fail(`--ca ${ca} does not exist`);
  const write = argv.includes("--write");
  if (write && (!process.env.SMOKE_EMAIL || !process.env.SMOKE_PASSWORD))
    fail("--write needs the test account in SMOKE_EMAIL and SMOKE_PASSWORD");
  const siteBase = site.origin;
  const www = site.hostname.startsWith("www.") ? siteBase : `https://www.${site.hostname}`;
  const target: Target = {
    kind: "deployment",
    urls: {
      site: `${siteBase}/`,
      www: `${www}/`,
      api: `${api.origin}/api`,
      ws: `wss://${api.host}/ws`,
    },
    ...(Object.keys(hosts).length > 0 ? { hosts } : {}),
    ...(ca ? { caFile: resolve(ca) } : {}),
  };
  return { target, write };
}

const settings = parseSmokeArgs(process.argv.slice(2));
const files = [
  "scenarios/smoke/readonly.smoke.test.ts",
  ...(settings.write ? ["scenarios/smoke/write.smoke.test.ts"] : []),
];
process.stderr.write(
  `[smoke] ${settings.target.urls.site} and ${settings.target.urls.api}${settings.write ? " (with writes)" : " (read-only)"}\n`,
);
const child = spawn(
  join(REPO_ROOT, "node_modules", ".bin", "vitest"),
  [
    "run",
    "--project",
    "smoke",
    ...files,
    "--reporter=default",
    "--reporter=junit",
    "--outputFile.junit=reports/smoke-junit.xml",
  ],
  { cwd: REPO_ROOT, stdio: "inherit", env: { ...process.env, SMOKE_TARGET: JSON.stringify(settings) } },
);
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
