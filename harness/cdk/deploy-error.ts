import { HarnessError } from "../errors.ts";

/** A deploy to the emulator that could not complete; the message names the stack, resource and reason. */
export class DeployError extends HarnessError {}
