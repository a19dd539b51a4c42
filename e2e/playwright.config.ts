/**
 * End-to-end tests of the workbench in web mode (`specula serve`, started by the fixture) with
 * Debian's Chromium. JSON report to $PLAYWRIGHT_JSON_OUTPUT_NAME (npm test reads it); screenshots
 * under test-results/e2e/. The `_electron` spec skips itself where no Electron binary exists.
 */
import { defineConfig } from '@playwright/test';
import { resolve } from 'node:path';

export const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export default defineConfig({
  testDir: '.',
  testMatch: /.*\.spec\.ts$/,
  outputDir: '../test-results/e2e-artifacts',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 60_000,
  globalTimeout: 180_000,
  expect: { timeout: 10_000 },
  // PLAYWRIGHT_JSON_OUTPUT_NAME (set by npm test) is relative to the working directory; made absolute
  // here because the reporter would resolve it against this file's folder.
  reporter: [['list'], ['json', { outputFile: resolve(process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ?? 'test-results/e2e.json') }]],
  use: {
    browserName: 'chromium',
    viewport: { width: 1400, height: 860 },
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_FLAGS },
    screenshot: 'only-on-failure',
    trace: 'off',
  },
});
