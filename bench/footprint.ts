/**
 * Benchmark: footprint of a running twin. Memory of each component (median of 5 `docker stats` samples,
 * a second apart, cache excluded) and in total; CPU while idle; the size of each component's image (and
 * of the Debian bases they are built on, shared by several); the disk the environment's own files take.
 *
 * A phase-2 twin's result is footprint-phase-2.
 *
 *   npm run bench:footprint   (needs a running twin: HARNESS_ENV)
 */
import { loadConfig } from "../harness/config.ts";
import { run } from "../harness/support/run.ts";
import { containerNameOf, readEnvironment } from "../harness/twin/environment.ts";
import { median, memoryMiB, round, writeResult } from "./lib.ts";

const environment = readEnvironment(loadConfig());
if (!environment) {
  process.stderr.write("no twin is up: npm run env:up first (HARNESS_ENV names it)\n");
  process.exit(3);
}
// Every instance the environment has: phase 1's, or phase 2's (load balancer, group, standby, broker).
const instances = Object.keys(environment.containers);
const containers = instances.map((component) => containerNameOf(environment.name, component));

const memorySamples: Record<string, number>[] = [];
for (let sample = 0; sample < 5; sample += 1) {
  memorySamples.push(await memoryMiB(containers));
  await new Promise((resolve) => setTimeout(resolve, 1_000));
}
const cpu = await run("docker", [
  "stats",
  "--no-stream",
  "--format",
  "{{.Name}}\t{{.CPUPerc}}",
  ...containers,
]);
const cpuOf = Object.fromEntries(
  cpu.stdout
    .split("\n")
    .filter((line) => line.includes("\t"))
    .map((line) => line.split("\t") as [string, string]),
);

const mib = (bytes: string) => round(Number(bytes) / 1024 ** 2);
const components: Record<string, { memoryMiB: number; idleCpu: string; image: string; imageMiB: number }> =
  {};
for (const component of instances) {
  const container = containerNameOf(environment.name, component);
  const imageId = (await run("docker", ["inspect", "--format", "{{.Image}}", container])).stdout.trim();
  const image = await run("docker", [
    "image",
    "inspect",
    "--format",
    "{{index .RepoTags 0}}\t{{.Size}}",
    imageId,
  ]);
  const [tag = imageId, size = "NaN"] = image.stdout.trim().split("\t");
  components[component] = {
    memoryMiB: median(memorySamples.map((sample) => sample[container] ?? Number.NaN)),
    idleCpu: cpuOf[container] ?? "?",
    image: tag,
    imageMiB: mib(size),
  };
}
const bases = await run("docker", [
  "images",
  "--format",
  "{{.Repository}}:{{.Tag}}\t{{.ID}}",
  "threadcast-harness/debian",
]);
const baseImages: Record<string, number> = {};
for (const line of bases.stdout.split("\n").filter((row) => row.includes("\t"))) {
  const [tag = "", id = ""] = line.split("\t");
  baseImages[tag] = mib(
    (await run("docker", ["image", "inspect", "--format", "{{.Size}}", id])).stdout.trim(),
  );
}
const disk = await run("du", ["-sk", environment.dir]);
const values = Object.values(components);
const result = {
  environment: environment.name,
  components,
  memoryTotalMiB: round(values.reduce((sum, entry) => sum + entry.memoryMiB, 0)),
  imagesTotalMiB: round(values.reduce((sum, entry) => sum + entry.imageMiB, 0)),
  baseImagesMiB: baseImages,
  imageSizeNote:
    "docker's Size counts each image whole; layers shared with a base (Debian trixie or bookworm) are stored once",
  environmentDirKiB: Number(disk.stdout.split("\t")[0]),
};
const file = await writeResult(environment.topology.phase === 2 ? "footprint-phase-2" : "footprint", result);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n${file}\n`);
