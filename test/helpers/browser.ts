/**
 * Open a local HTML file in Debian's headless Chromium through playwright-core and collect what a person (and
 * a CSP) would notice: console errors, page errors, every network request, and whether each chart drew.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/** Flags for a quiet, offline, throwaway browser: nothing but the page may touch the network. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface ChartCheck {
  tag: 'svg' | 'canvas';
  label: string;
  widthPx: number;
  heightPx: number;
  /** svg: drawn data marks (polylines of ≥ 2 points with extent, circles); canvas: non-transparent pixels. */
  marks: number;
}

export interface PageCheck {
  url: string;
  consoleErrors: string[];
  requests: string[];
  charts: ChartCheck[];
  /** Trend pages: change point markers drawn with a visible height. */
  changePointLines: number;
  screenshot: string;
}

export interface Browser {
  check(file: string, screenshot: string, opts?: { fullPage?: boolean; width?: number }): Promise<PageCheck>;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'loadgate-chromium-'));
  const ctx: BrowserContext = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1200, height: 900 } });
  return {
    async check(file, screenshot, opts = {}) {
      const page = await ctx.newPage();
      if (opts.width !== undefined) await page.setViewportSize({ width: opts.width, height: 900 });
      const consoleErrors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
      page.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(file).href;
      await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
      // Runs in the page; the project's tsconfig has no DOM types, hence the small structural ones.
      type Box = { width: number; height: number };
      type El = { tagName: string; getBoundingClientRect(): Box; getAttribute(n: string): string | null; querySelectorAll(s: string): ArrayLike<Mark> };
      type Mark = { points?: { numberOfItems: number }; r?: { baseVal: { value: number } }; getBBox(): Box };
      type Canvas = El & { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null };
      const charts = await page.$$eval('svg, canvas', (nodes) =>
        (nodes as unknown as El[]).map((el) => {
          const box = el.getBoundingClientRect();
          const label = el.getAttribute('aria-label') ?? '';
          if (el.tagName.toLowerCase() === 'canvas') {
            const c = el as Canvas;
            const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
            let opaque = 0;
            if (data) for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) opaque++;
            return { tag: 'canvas' as const, label, widthPx: box.width, heightPx: box.height, marks: opaque };
          }
          const lines = Array.from(el.querySelectorAll('polyline')).filter((p) => p.points!.numberOfItems >= 2 && (p.getBBox().width > 0 || p.getBBox().height > 0)).length;
          const dots = Array.from(el.querySelectorAll('circle')).filter((c) => c.r!.baseVal.value > 0).length;
          return { tag: 'svg' as const, label, widthPx: box.width, heightPx: box.height, marks: lines + dots };
        }),
      );
      const changePointLines = await page.$$eval('line.change-point', (nodes) => (nodes as unknown as Array<{ getBoundingClientRect(): { height: number } }>).filter((l) => l.getBoundingClientRect().height > 0).length);
      await page.screenshot({ path: screenshot, fullPage: opts.fullPage ?? true });
      await page.close();
      return { url, consoleErrors, requests, charts, changePointLines, screenshot };
    },
    async close() {
      await ctx.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
