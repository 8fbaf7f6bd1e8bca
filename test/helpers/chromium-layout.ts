/**
 * Measures a page's layout in headless chromium through the DevTools protocol (the page itself runs no
 * scripts: report.html forbids them): how wide the document is when the viewport is `widthPx` wide.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';

export async function documentWidthPx(chromium: string, fileUrl: string, widthPx: number, timeoutMs = 60_000): Promise<{ scrollWidth: number; clientWidth: number }> {
  const profile = await mkdtemp(join(tmpdir(), 'loadgate-chromium-'));
  const child = spawn(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const deadline = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const wsUrl = await new Promise<string>((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
        if (m) resolve(m[1]!);
      });
      child.on('exit', () => reject(new Error(`chromium exited: ${err.slice(-500)}`)));
    });
    const port = new URL(wsUrl).port;
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ type: string; webSocketDebuggerUrl: string }>;
    const page = targets.find((t) => t.type === 'page')!;
    const ws = new WebSocket(page.webSocketDebuggerUrl);
    await new Promise<void>((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject)));
    let id = 0;
    const pending = new Map<number, (r: unknown) => void>();
    const events: Array<(m: { method?: string }) => void> = [];
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { id?: number; result?: unknown; method?: string };
      if (m.id !== undefined) pending.get(m.id)?.(m.result);
      else for (const e of events) e(m);
    });
    const send = (method: string, params: Record<string, unknown> = {}) =>
      new Promise<unknown>((resolve) => {
        const n = ++id;
        pending.set(n, resolve);
        ws.send(JSON.stringify({ id: n, method, params }));
      });
    await send('Page.enable');
    await send('Emulation.setDeviceMetricsOverride', { width: widthPx, height: 800, deviceScaleFactor: 1, mobile: true });
    const loaded = new Promise<void>((resolve) => events.push((m) => m.method === 'Page.loadEventFired' && resolve()));
    await send('Page.navigate', { url: fileUrl });
    await loaded;
    const r = (await send('Runtime.evaluate', { expression: 'JSON.stringify({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth })', returnByValue: true })) as { result: { value: string } };
    ws.close();
    return JSON.parse(r.result.value) as { scrollWidth: number; clientWidth: number };
  } finally {
    clearTimeout(deadline);
    child.kill('SIGKILL');
    await rm(profile, { recursive: true, force: true }).catch(() => undefined);
  }
}
