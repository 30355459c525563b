import { spawn, type SpawnOptions } from "node:child_process";

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Kills the child (SIGTERM, then SIGKILL after 5 s) when aborted. */
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Data written to the child's stdin, or a readable stream piped into it. */
  readonly input?: string | NodeJS.ReadableStream;
  /** Receives every chunk of output as it arrives (for build logs). */
  readonly onOutput?: (chunk: string) => void;
}

/**
 * Runs a program without a shell and collects its output. Never throws for a non-zero exit: callers
 * decide what a failure means. Rejects only when the program cannot be started (ENOENT) or is aborted.
 */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const spawnOptions: SpawnOptions = {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    };
    const child = spawn(command, args, spawnOptions);
    let stdout = "";
    let stderr = "";
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (reason: Error) => {
      if (settled) return;
      settled = true;
      child.kill("SIGTERM");
      killTimer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      killTimer.unref();
      reject(reason);
    };
    const onAbort = () =>
      stop(options.signal?.reason instanceof Error ? options.signal.reason : new Error("aborted"));
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const timeout =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(
            () =>
              stop(new Error(`${command} ${args.join(" ")} did not finish within ${options.timeoutMs} ms`)),
            options.timeoutMs,
          );
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      options.onOutput?.(chunk);
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      options.onOutput?.(chunk);
    });
    child.on("error", (error) => {
      if (timeout) clearTimeout(timeout);
      options.signal?.removeEventListener("abort", onAbort);
      if (!settled) {
        settled = true;
        reject(error);
      }
    });
    child.on("close", (code, signal) => {
      if (timeout) clearTimeout(timeout);
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener("abort", onAbort);
      if (settled) return;
      settled = true;
      resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    if (child.stdin) {
      child.stdin.on("error", () => undefined);
      if (typeof options.input === "string") child.stdin.end(options.input);
      else if (options.input) options.input.pipe(child.stdin);
      else child.stdin.end();
    }
  });
}

/** The last `count` non-empty lines of some output, for error messages. */
export function lastLines(text: string, count = 20): string {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .slice(-count)
    .join("\n");
}
