/** Engines by name. Lazy imports keep `loadgate --help` fast and k6-free installs working. */
import type { Engine } from './types.js';

export const ENGINES: Record<string, () => Promise<Engine>> = {
  autocannon: async () => (await import('./autocannon.js')).autocannonEngine,
  closed: async () => (await import('./closed.js')).closedEngine,
  open: async () => (await import('./open.js')).openEngine,
  ws: async () => (await import('./ws.js')).wsEngine,
  k6: async () => (await import('./k6.js')).k6Engine,
  sdk: async () => (await import('./sdk.js')).sdkEngine,
};

export async function getEngine(name: string): Promise<Engine> {
  const load = ENGINES[name];
  if (!load) throw new Error(`engine "${name}" is not registered`);
  return load();
}
