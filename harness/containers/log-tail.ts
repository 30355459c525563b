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

  /** The lines after the last one matching `pattern` (all kept lines when none matched). */
  since(pattern: RegExp): string[] {
    let start = 0;
    this.lines.forEach((line, index) => {
      if (pattern.test(line)) start = index + 1;
    });
    return this.lines.slice(start);
  }

  last(count = 25): string {
    return this.lines.slice(-count).join("\n");
  }
}
