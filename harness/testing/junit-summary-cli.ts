import { junitSummary } from "./junit-summary.ts";

// .ci/run's last lines: the totals, then each failed test with the first lines of why, because a CI
// log is often read from its end only.
const summary = junitSummary(process.argv.slice(2));
const passed = summary.total - summary.failed - summary.skipped;
console.log(
  `tests: ${passed} passed, ${summary.failed} failed, ${summary.skipped} skipped (${process.argv.slice(2).join(" and ")})`,
);
for (const failure of summary.failures) {
  console.log(`  failed: ${failure.file} > ${failure.name}`);
  for (const line of failure.message.split("\n")) console.log(`    ${line.slice(0, 300)}`);
}
