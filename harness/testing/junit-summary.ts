import { existsSync, readFileSync } from "node:fs";

/** One failed test of a JUnit report: where it is, what it is called, and the first lines of why. */
export interface JunitFailure {
  file: string;
  name: string;
  message: string;
}

export interface JunitSummary {
  total: number;
  failed: number;
  skipped: number;
  failures: JunitFailure[];
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
const unescape = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|apos|#(\d+)|#x([0-9a-f]+));/gi, (whole, name: string, dec, hex) =>
    dec
      ? String.fromCodePoint(Number(dec))
      : hex
        ? String.fromCodePoint(parseInt(hex, 16))
        : (ENTITIES[name] ?? whole),
  );
const attribute = (tag: string, name: string) => {
  const found = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return found ? unescape(found[1] ?? "") : "";
};

/** The failed cases of one report as vitest writes it: a testcase holding a failure or an error element. */
function failuresIn(xml: string, lines: number): JunitFailure[] {
  const failures: JunitFailure[] = [];
  for (const match of xml.matchAll(/<testcase\s[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const body = match[1] ?? "";
    const failure = /<(failure|error)\b([^>]*)>([\s\S]*?)<\/\1>|<(failure|error)\b([^>]*)\/>/.exec(body);
    if (!failure) continue;
    const tag = match[0].slice(0, match[0].indexOf(">") + 1);
    const text = [attribute(failure[2] ?? failure[5] ?? "", "message"), unescape(failure[3] ?? "")]
      .join("\n")
      .split("\n")
      .map((line) => line.trimEnd())
      .filter(Boolean);
    failures.push({
      file: attribute(tag, "classname"),
      name: attribute(tag, "name"),
      message: text.slice(0, lines).join("\n"),
    });
  }
  return failures;
}

/** Totals and failures over the reports that exist (a project that never ran writes none). */
export function junitSummary(paths: readonly string[], lines = 8): JunitSummary {
  const summary: JunitSummary = { total: 0, failed: 0, skipped: 0, failures: [] };
  for (const path of paths.filter((path) => existsSync(path))) {
    const xml = readFileSync(path, "utf8");
    const suites = /<testsuites\b[^>]*>/.exec(xml)?.[0] ?? "";
    const count = (name: string) => Number(attribute(suites, name) || 0);
    summary.total += count("tests");
    summary.failed += count("failures") + count("errors");
    // The root element carries no skipped count: each file's suite does.
    for (const suite of xml.matchAll(/<testsuite\s[^>]*>/g))
      summary.skipped += Number(attribute(suite[0], "skipped") || 0);
    summary.failures.push(...failuresIn(xml, lines));
  }
  return summary;
}
