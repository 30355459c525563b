import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { junitSummary } from "./junit-summary.ts";

const report = (body: string, counts: string) =>
  `<?xml version="1.0" encoding="UTF-8" ?>\n<testsuites name="vitest tests" ${counts} time="1.5">\n${body}\n</testsuites>\n`;

describe("the JUnit summary .ci/run ends with", () => {
  const dir = mkdtempSync(join(tmpdir(), "junit-"));
  const first = join(dir, "junit.xml");
  const drills = join(dir, "junit-drills.xml");
  writeFileSync(
    first,
    report(
      `<testsuite name="a.test.ts" tests="3" failures="1" errors="0" skipped="1" time="1">
  <testcase classname="a.test.ts" name="group &gt; passes" time="0.1"></testcase>
  <testcase classname="a.test.ts" name="group &gt; is skipped" time="0"><skipped/></testcase>
  <testcase classname="a.test.ts" name="group &gt; compares &quot;x&quot;" time="0.2">
    <failure message="expected &apos;a&apos; to be &apos;b&apos;" type="AssertionError">AssertionError: expected &apos;a&apos; to be &apos;b&apos;
 &#x276F; a.test.ts:4:5
</failure>
  </testcase>
</testsuite>`,
      'tests="3" failures="1" errors="0"',
    ),
  );
  writeFileSync(
    drills,
    report(
      `<testsuite name="d.drill.test.ts" tests="1" failures="0" errors="1" skipped="0" time="1">
  <testcase classname="d.drill.test.ts" name="resumes" time="9"><error message="Test timed out in 600000ms." type="Error"/></testcase>
</testsuite>`,
      'tests="1" failures="0" errors="1"',
    ),
  );

  it("adds the totals of every report, the skipped ones counted per file", () => {
    expect(junitSummary([first, drills])).toMatchObject({ total: 4, failed: 2, skipped: 1 });
  });

  it("names each failed test with its file and the first lines of why, unescaped", () => {
    expect(junitSummary([first, drills], 2).failures).toEqual([
      {
        file: "a.test.ts",
        name: 'group > compares "x"',
        message: "expected 'a' to be 'b'\nAssertionError: expected 'a' to be 'b'",
      },
      { file: "d.drill.test.ts", name: "resumes", message: "Test timed out in 600000ms." },
    ]);
  });

  it("counts nothing for a report that was never written", () => {
    expect(junitSummary([join(dir, "missing.xml")])).toEqual({
      total: 0,
      failed: 0,
      skipped: 0,
      failures: [],
    });
  });
});
