import type { Readable } from "node:stream";

/** The last lines a container wrote, kept as they arrive, to show when it fails to become ready. */
export class LogTail {
  private readonly lines: string[] = [];
  private readonly watchers: { pattern: RegExp; seen: () => void }[] = [];

  constructor(private readonly keep = 40) {}

  /** A testcontainers log consumer. */
  readonly consume = (stream: Readable): void => {
    stream.on("data", (chunk: Buffer | string) => {
      for (const line of String(chunk).split("\n")) {
        if (line.trim() === "") continue;
        this.lines.push(line);
        if (this.lines.length > this.keep) this.lines.shift();
        for (const watcher of this.watchers) if (watcher.pattern.test(line)) watcher.seen();
      }
    });
  };

  /** True once a line matching `pattern` has arrived (from now on). */
  watch(pattern: RegExp): () => boolean {
    let seen = this.lines.some((line) => pattern.test(line));
    this.watchers.push({ pattern, seen: () => (seen = true) });
    return () => seen;
  }

  last(count = 25): string {
    return this.lines.slice(-count).join("\n");
  }
}
