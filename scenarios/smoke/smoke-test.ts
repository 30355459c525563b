import { test as scenarioTest } from "../support/scenario-test.ts";
import { smokeSettings } from "./target.ts";

/**
 * The scenarios' `test` for smoke mode: its `target` is the deployment `npm run smoke` names instead of
 * the twin, with the same `agent` and `api` fixtures on top. There is no twin in smoke mode; nothing
 * here asks for the `twin` fixture, so none is looked for.
 */
export const test = scenarioTest.override("target", () => smokeSettings().target);
