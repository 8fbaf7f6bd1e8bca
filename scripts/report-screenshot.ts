/**
 * Screenshot of a report page for the README: `npx tsx scripts/report-screenshot.ts <report.html> <out.png>
 * [heightPx] [selector]`. Opens the file in Debian's headless Chromium (offline, fresh profile) and saves
 * heightPx of the page at 1100 px wide: from the top, or from the element `selector` (e.g. '#endpoints').
 */
import { chromium } from 'playwright-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [file, out, height = '1500', selector] = process.argv.slice(2);
if (!file || !out) {
  process.stderr.write('usage: tsx scripts/report-screenshot.ts <report.html> <out.png> [heightPx]\n');
  process.exit(2);
}
const profile = await mkdtemp(join(tmpdir(), 'loadgate-shot-'));
const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ctx = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args, viewport: { width: 1100, height: Number(height) } });
try {
  const page = await ctx.newPage();
  await page.goto(pathToFileURL(resolve(file)).href, { waitUntil: 'load' });
  const top = selector === undefined ? 0 : await page.locator(selector).first().evaluate((el) => (el as unknown as { getBoundingClientRect(): { top: number } }).getBoundingClientRect().top);
  await page.screenshot({ path: resolve(out), fullPage: true, clip: { x: 0, y: Math.max(0, top - 8), width: 1100, height: Number(height) } });
  process.stdout.write(`wrote ${out}\n`);
} finally {
  await ctx.close();
  await rm(profile, { recursive: true, force: true });
}
