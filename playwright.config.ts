// The browser tests (e2e/*.spec.ts) as Playwright Test projects. "web" drives Debian's Chromium
// (never a browser Playwright downloads) against real peers through the WebSocket bridge and runs
// everywhere; "electron" launches the desktop app with _electron and, where no Electron binary
// is installed, reports its tests as skipped with the reason.
import { defineConfig } from '@playwright/test'
import { CHROMIUM_LAUNCH } from './e2e/fixtures/browser.ts'

export default defineConfig({
  testDir: 'e2e',
  testMatch: '*.spec.ts',
  outputDir: 'e2e/test-results',
  // Each spec starts several peer processes beside its browser: on two cores, more than two
  // specs at once only makes every one of them slower.
  workers: 2,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [['list'], ['./e2e/reporters/summary.ts']],
  // Generous, for a loaded machine: a test passes on what it waits for, never on how fast.
  timeout: 5 * 60_000,
  expect: { timeout: 30_000 },
  use: {
    actionTimeout: 60_000,
    navigationTimeout: 60_000,
    screenshot: 'only-on-failure',
    trace: 'off',
  },
  projects: [
    {
      name: 'web',
      testIgnore: 'electron.spec.ts',
      use: { browserName: 'chromium', launchOptions: CHROMIUM_LAUNCH },
    },
    {
      name: 'electron',
      testMatch: 'electron.spec.ts',
    },
  ],
})
