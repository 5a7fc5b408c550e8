// Headless Chromium for the dashboard's tests: Debian's `chromium` package (installed by
// scripts/setup.sh) driven by playwright-core, which downloads no browser of its own.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './gateway.mjs';

export const CHROMIUM = process.env.AI_GATEWAY_CHROMIUM ?? '/usr/bin/chromium';
/** Where screenshots go (gitignored, under target/). */
export const SCREENSHOTS = path.join(ROOT, 'target/screenshots');

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** Launches Chromium as root in a container: no sandbox, and no traffic of its own. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** Saves a full-page screenshot `name.png` under SCREENSHOTS. */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
