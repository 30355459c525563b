import { join } from "node:path";
import type { HarnessConfig } from "../config.ts";
import type { InstanceRelease } from "../containers/instance-container.ts";
import type { ImageResolver } from "../images/image-resolver.ts";
import { readAppBundle } from "../reference-builds/app-bundle.ts";
import { readAppEnvFile } from "../reference-builds/app-env-file.ts";
import { buildReferenceJar } from "../reference-builds/backend-jar.ts";

/** The release the instance's boot lays after its user data: all but the unit file it is started by. */
export type AppRelease = Omit<InstanceRelease, "unitFile">;

/**
 * The release an instance gets: the user's bundle or jar (checked before start-up) with the extra
 * settings, or the reference jar, built or cached.
 */
export async function appRelease(
  config: HarnessConfig,
  resolver: ImageResolver,
  owner: string,
  signal: AbortSignal,
): Promise<AppRelease> {
  const settings = config.appEnvFile ? readAppEnvFile(config.appEnvFile).content : undefined;
  const extra = {
    ...(settings === undefined ? {} : { settings }),
    settingsOverride: config.appEnvOverride,
  };
  if (config.appDir) {
    const bundle = readAppBundle(config.appDir);
    const files = bundle.files.map((file) => ({ ...file, source: join(bundle.dir, file.path) }));
    return { jarPath: bundle.jar, files, ...extra };
  }
  const jarPath =
    config.appJar ??
    (
      await buildReferenceJar(
        config,
        () => resolver.resolve("postgres").then((image) => image.reference),
        owner,
        signal,
      )
    ).path;
  return { jarPath, ...extra };
}
