import { defineConfig } from "vitest/config";
import { testcontainersEnv } from "./harness/engine/testcontainers-env.ts";

// Three projects: `unit` needs nothing but Node; `integration` (the harness's own parts against real
// containers) and `scenarios` (user journeys through the twin) need a Docker engine, which their global
// setup provides (and may install) before any test runs.
export default defineConfig({
  test: {
    reporters: process.env.CI ? ["default", "junit"] : ["default"],
    outputFile: { junit: "reports/junit.xml" },
    projects: [
      {
        test: {
          name: "unit",
          // Some unit tests spawn the CLI or synthesize the stacks: seconds each, more while the integration
          // and scenario projects load both cores beside them (5 s, vitest's default, was hit in CI).
          testTimeout: 30_000,
          include: ["harness/**/*.test.ts", "infra/test/**/*.test.ts", "fixtures/web/src/**/*.test.ts"],
          exclude: ["**/*.integration.test.ts", "**/*.drill.test.ts", "**/node_modules/**"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["harness/**/*.integration.test.ts"],
          globalSetup: ["harness/testing/docker-global-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 900_000,
          fileParallelism: false,
          env: testcontainersEnv(),
        },
      },
      {
        test: {
          name: "scenarios",
          include: ["scenarios/**/*.scenario.test.ts"],
          exclude: ["scenarios/phase-2/**", "**/node_modules/**"],
          globalSetup: ["harness/testing/docker-global-setup.ts", "scenarios/support/global-setup.ts"],
          setupFiles: ["scenarios/support/logs-on-failure.ts"],
          testTimeout: 180_000,
          hookTimeout: 900_000,
          fileParallelism: false,
          env: testcontainersEnv(),
        },
      },
      {
        test: {
          // Phase 2's twin (one for the run): the documented API and frontend flows through the ALB, and
          // what only phase 2 has (the group's instances, the broker relay, Multi-AZ).
          name: "scenarios-phase-2",
          include: [
            "scenarios/api.scenario.test.ts",
            "scenarios/frontend.scenario.test.ts",
            "scenarios/phase-2/**/*.scenario.test.ts",
          ],
          globalSetup: ["harness/testing/docker-global-setup.ts", "scenarios/support/phase-2-setup.ts"],
          setupFiles: ["scenarios/support/logs-on-failure.ts"],
          testTimeout: 180_000,
          hookTimeout: 900_000,
          fileParallelism: false,
          env: testcontainersEnv(),
        },
      },
      // Faults to a whole twin (the engine restarted, env:up killed): run alone, after every other project,
      // because restarting the engine stops every container on it (`npm test` runs them second).
      ...(process.env.HARNESS_DRILLS
        ? [
            {
              test: {
                name: "drills",
                include: ["harness/**/*.drill.test.ts"],
                globalSetup: ["harness/testing/docker-global-setup.ts"],
                testTimeout: 600_000,
                hookTimeout: 900_000,
                fileParallelism: false,
                env: testcontainersEnv(),
              },
            },
          ]
        : []),
      // Smoke checks against a deployment: only when `npm run smoke` names a target (never in npm test).
      ...(process.env.SMOKE_TARGET
        ? [
            {
              test: {
                name: "smoke",
                include: ["scenarios/smoke/**/*.smoke.test.ts"],
                testTimeout: 30_000,
                hookTimeout: 30_000,
                fileParallelism: false,
              },
            },
          ]
        : []),
    ],
  },
});
