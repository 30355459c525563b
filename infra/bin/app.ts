#!/usr/bin/env node
import { createThreadcastApp } from "../lib/threadcast-app.ts";
import { InfraSettingsError } from "../lib/settings.ts";

try {
  createThreadcastApp().app.synth();
} catch (error) {
  if (!(error instanceof InfraSettingsError)) throw error;
  process.stderr.write(`error: ${error.message}\n`);
  process.exit(1);
}
