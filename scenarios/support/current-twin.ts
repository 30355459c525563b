import { loadConfig } from "../../harness/config.ts";
import { readEnvironment, type Environment } from "../../harness/twin/environment-state.ts";

/**
 * The twin as it is now: phase 2's controller replaces instances (a kill, a refresh) and saves the
 * environment again, so the description the global setup provided may name containers that are gone.
 */
export function currentTwin(provided: Environment): Environment {
  return readEnvironment(loadConfig(), provided.name) ?? provided;
}
