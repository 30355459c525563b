import { emulatorClients, type EmulatorClients } from "./emulator-clients.ts";

/** The emulator's SDK clients for a region: the same instances every time that region is asked for. */
export type EmulatorClientCache = (region: string) => EmulatorClients;

/**
 * One set of emulator clients per region, built the first time the region is asked for. A deploy holds
 * one cache and hands it on with its result, so each region's clients are built once per deploy rather
 * than once per step that talks to the emulator.
 */
export function emulatorClientCache(endpoint: string): EmulatorClientCache {
  const byRegion = new Map<string, EmulatorClients>();
  return (region) => {
    const cached = byRegion.get(region);
    if (cached) return cached;
    const built = emulatorClients(endpoint, region);
    byRegion.set(region, built);
    return built;
  };
}
