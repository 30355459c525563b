import { envEgress } from "./twin/egress-cli.ts";
import { envFailover } from "./twin/failover-cli.ts";
import { runFleetController } from "./twin/fleet-controller.ts";
import { envRefresh } from "./twin/refresh-cli.ts";
import { envScale } from "./twin/scale-cli.ts";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "./config.ts";
import { ensureEngine } from "./engine/docker-engine.ts";
import { HarnessError, InterruptedError } from "./errors.ts";
import { COMPONENTS } from "./images/catalog.ts";
import { formatBytes } from "./images/docker-cli.ts";
import { pruneStale, staleTags } from "./images/image-prune.ts";
import { ImageResolver } from "./images/image-resolver.ts";
import { buildReferenceJar } from "./reference-builds/backend-jar.ts";
import { buildReferenceWeb } from "./reference-builds/web-dist.ts";
import { infraDeploy } from "./infra-deploy.ts";
import { LABEL_OWNER, removeLabelled } from "./support/cleanup.ts";
import { formatMs, say } from "./support/progress.ts";
import { composeSetup } from "./twin/compose-setup.ts";
import { COMPOSE_FILE, currentComposeDocument, renderCompose } from "./twin/compose.ts";
import { envDown, envLogs, envStatus, envUp } from "./twin/environment-cli.ts";
import { hasKeptState, stopEnvironment } from "./twin/environment.ts";

const USAGE = `usage: tsx harness/cli.ts <command>
  engine   make sure a Docker engine answers (installs and starts one on a Debian host as root)
  images [--prune]   resolve every image of the twin (local, pulled, or built from fixtures/images);
                     --prune removes tags of older recipes
  fixtures build the reference backend jar (Maven, tests against PostgreSQL 15) and web app (Vite),
           each cached by its sources
  infra-deploy [--phase N] [--keep]
           deploy the CDK app to a throw-away LocalStack and print the coverage table and outputs
  up [--phase N]   bring the twin up (HARNESS_ENV names it, default "twin"; HARNESS_PHASE or --phase
           the architecture's phase, default 1; reused when already up; a stopped
           or partly stopped one is resumed with its data, a dead component repaired)
  down [--keep-data]   remove the twin's containers, networks, volumes and its CA; --keep-data keeps
           the database's volume and the kept secrets for the next up
  status   the twin's URLs, names, CA file, containers and their memory
  logs [component] [--follow]   a component's log: emulator, database, app, proxy, edge, dns
  egress   what the twin's containers tried to reach outside it (names its resolver does not hold)
  failover database   RDS's reboot with failover (phase 2): the standby promoted, the endpoint moved,
           the old primary back as the synchronous standby
  scale <n>   the group's desired capacity (phase 2, within its min and max); waits until n are healthy
  refresh   an instance refresh (phase 2): each instance replaced, the new one healthy before the old
           one drains and terminates; waits until none of the old ones is left
  controller   (started by up in phase 2) the group's controller: replaces dead or unhealthy instances,
           keeps the desired capacity
  compose-write   regenerate docker-compose.yml from the harness's definitions
  compose-setup   (inside docker-compose's setup service) deploy the stacks and write the services' files`;

async function images(signal: AbortSignal, prune: boolean): Promise<void> {
  const config = loadConfig();
  await ensureEngine(config, signal);
  const started = performance.now();
  const resolver = new ImageResolver(config, { signal });
  const resolved = await resolver.resolveAll();
  say(`[images] all ${COMPONENTS.length} images ready in ${formatMs(performance.now() - started)}`);
  for (const component of COMPONENTS) {
    const image = resolved[component];
    process.stdout.write(
      `${component.padEnd(11)} ${image.reference.padEnd(48)} ${image.path.padEnd(7)} ${formatBytes(image.sizeBytes).padStart(9)}  ${formatMs(image.ms)}\n`,
    );
  }
  if (prune) await pruneStale(resolver);
  else {
    const stale = await staleTags(resolver);
    if (stale.length > 0)
      say(
        `[images] ${stale.length} stale image tag(s) from older recipes; npm run images -- --prune removes them`,
      );
  }
}

/** Builds the reference fixtures (tests included), each cached by the hash of its sources. */
async function fixtures(signal: AbortSignal): Promise<void> {
  const config = loadConfig();
  await ensureEngine(config, signal);
  const postgres = await new ImageResolver(config, { signal }).resolve("postgres");
  const owner = `fixtures-${process.pid}`;
  try {
    const [jar, web] = await Promise.all([
      buildReferenceJar(config, postgres.reference, owner, signal),
      buildReferenceWeb(config, signal),
    ]);
    process.stdout.write(`${jar.path}\n${web.dir}\n`);
  } finally {
    await removeLabelled(LABEL_OWNER, owner);
  }
}

/** env:up's options: `--phase N` (the same as HARNESS_PHASE=N); anything else is a usage error. */
function upOptions(argv: readonly string[]): { phase?: string } | undefined {
  const phaseAt = argv.indexOf("--phase");
  const phase = phaseAt === -1 ? undefined : argv[phaseAt + 1];
  const rest = argv.filter((_, i) => phaseAt === -1 || (i !== phaseAt && i !== phaseAt + 1));
  if (rest.length > 0 || (phaseAt !== -1 && (phase === undefined || phase.startsWith("--")))) {
    say(`env:up takes only --phase N (1, 2 or 3); got: ${argv.join(" ")}`);
    return undefined;
  }
  return phase === undefined ? {} : { phase };
}

async function main(argv: readonly string[], signal: AbortSignal): Promise<number> {
  const command = argv[0];
  switch (command) {
    case "engine": {
      const engine = await ensureEngine(loadConfig(), signal);
      process.stdout.write(`Docker ${engine.serverVersion} (${engine.provenance})\n`);
      return 0;
    }
    case "images":
      await images(signal, argv.includes("--prune"));
      return 0;
    case "fixtures":
      await fixtures(signal);
      return 0;
    case "infra-deploy":
      await infraDeploy(argv.slice(1), signal);
      return 0;
    case "up": {
      const options = upOptions(argv.slice(1));
      if (options === undefined) return 64;
      if (options.phase !== undefined) process.env.HARNESS_PHASE = options.phase;
      return envUp(signal);
    }
    case "down":
      return envDown(argv.slice(1));
    case "status":
      return envStatus();
    case "logs":
      return envLogs(argv.slice(1));
    case "egress":
      return envEgress();
    case "failover":
      return envFailover(argv.slice(1));
    case "scale":
      return envScale(argv.slice(1));
    case "refresh":
      return envRefresh(argv.slice(1));
    case "controller":
      await runFleetController(loadConfig(), signal);
      return 0;
    case "compose-write": {
      const config = loadConfig();
      writeFileSync(
        join(config.repoRoot, COMPOSE_FILE),
        await renderCompose(currentComposeDocument(config), config.repoRoot),
      );
      say(`wrote ${COMPOSE_FILE}`);
      return 0;
    }
    case "compose-setup":
      await composeSetup(loadConfig(), signal);
      return 0;
    default:
      say(USAGE);
      return command === undefined || command === "help" ? 0 : 64;
  }
}

const controller = new AbortController();
/**
 * One Ctrl-C in a terminal can reach this process more than once: the terminal signals the whole
 * process group, and a wrapper (npm, or tsx when run as `tsx harness/cli.ts`) may relay it as well.
 * Copies that arrive within a second of the first are that same Ctrl-C; only a later one means "exit at
 * once". (Counting the copy as a second press exited before the cleanup ran and left containers
 * behind: found by bench:leaks. Under load tsx's relay once came later than that, so the npm scripts
 * run node with tsx's loader, one process, instead.)
 */
const SAME_PRESS_MS = 1_000;
let firstInterrupt: number | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    const now = performance.now();
    if (firstInterrupt !== undefined) {
      if (now - firstInterrupt > SAME_PRESS_MS) process.exit(130);
      return;
    }
    firstInterrupt = now;
    say(`\n${signal}: stopping and cleaning up (press Ctrl-C again to exit at once)`);
    controller.abort(new InterruptedError(signal));
    // A safety net for env:up: a step that does not notice the interruption must not hold the
    // environment up. After the grace period (60 s unless HARNESS_INTERRUPT_GRACE says otherwise) the
    // environment is removed by its label, whatever is still pending, and the process exits.
    if (process.argv[2] === "up") {
      const config = loadConfig();
      setTimeout(() => {
        // An environment that was up before keeps its data, as a resume that fails does.
        const keepData = hasKeptState(config);
        say(
          `cleanup is taking too long: removing the environment by its label${keepData ? " (its data kept)" : ""} and exiting`,
        );
        void stopEnvironment(config, config.envName, { keepData })
          .catch(() => undefined)
          .finally(() => process.exit(130));
      }, config.interruptGraceMs).unref();
    }
  });
}

try {
  process.exitCode = await main(process.argv.slice(2), controller.signal);
} catch (error) {
  if (error instanceof InterruptedError || controller.signal.aborted) {
    say(`interrupted: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 130;
  } else if (error instanceof HarnessError) {
    say(`error: ${error.message}`);
    if (error.fix) say(`  fix: ${error.fix}`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
