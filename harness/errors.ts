/**
 * An error the harness expects and can explain: `message` says what went wrong, `fix` says what to do.
 * The CLI prints both and exits non-zero; anything else is an unexpected bug and prints its stack.
 */
export class HarnessError extends Error {
  constructor(
    message: string,
    readonly fix?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Settings that cannot be read or contradict each other. */
export class ConfigError extends HarnessError {}

/** No Docker engine answers and the harness may not or cannot provide one. */
export class EngineError extends HarnessError {}

/** An image could not be resolved: a build failed, a pull was refused in `upstream` mode, a tool is missing. */
export class ImageError extends HarnessError {}

/** The twin could not be brought up or taken down: a deploy, a stand-in or a check failed. */
export class EnvironmentError extends HarnessError {}

/** The user pressed Ctrl-C (or the process got SIGTERM); work stopped and was cleaned up. */
export class InterruptedError extends HarnessError {
  constructor(signal: string) {
    super(`interrupted by ${signal}; stopped and cleaned up what had started`);
  }
}
