/**
 * A workload's `driver` → a ready SDK client: ccxt by exchange id (./ccxt.ts), or the user's module (TypeScript
 * through tsx, which loadgate ships with; JavaScript by plain import). Problems with the module are input errors
 * (exit 2), named by the workload's path.
 */
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from '../../errors.js';
import type { DriverSpec } from '../../suite/schema.js';
import { createCcxtDriver, type CcxtImporter } from './ccxt.js';
import type { ClassifyError, DriverContext, DriverFactory, DriverModule, SdkClient } from './contract.js';

export interface LoadedDriver {
  client: SdkClient;
  classifyError: ClassifyError | undefined;
  /** Names the SDK in the result's engines, e.g. `ccxt 4.5.84 (binance)` or `module example-sdk.ts`. */
  version: string;
  notes: string[];
}

async function importModule(file: string): Promise<DriverModule> {
  if (/\.[cm]?ts$/.test(file)) {
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(pathToFileURL(file).href, import.meta.url)) as DriverModule;
  }
  return (await import(pathToFileURL(file).href)) as DriverModule;
}

export async function loadDriver(spec: DriverSpec, ctx: DriverContext, where: string, importCcxt?: CcxtImporter): Promise<LoadedDriver> {
  if ('sdk' in spec) {
    const d = await createCcxtDriver(ctx, spec, where, importCcxt);
    return { client: d.client, classifyError: d.client.classifyError, version: d.version, notes: d.notes };
  }
  let mod: DriverModule;
  try {
    mod = await importModule(spec.module);
  } catch (e) {
    throw new InputError('LG_DRIVER_LOAD', `${where}.module: could not load ${spec.module}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  }
  // tsx wraps a module's exports once more when it is CommonJS: look one level down too.
  const inner = (mod as { default?: unknown }).default;
  const factory: unknown = mod.createDriver ?? (typeof inner === 'function' ? inner : (inner as DriverModule | undefined)?.createDriver ?? (inner as DriverModule | undefined)?.default);
  if (typeof factory !== 'function') {
    throw new InputError('LG_DRIVER_EXPORT', `${where}.module: ${spec.module} exports no driver factory`, { hint: 'export default (or export createDriver) a function (ctx) => object with the unified methods (see the README, "SDK workloads")' });
  }
  const client = await (factory as DriverFactory)(ctx);
  if (client === null || typeof client !== 'object') throw new InputError('LG_DRIVER_EXPORT', `${where}.module: the factory of ${spec.module} returned ${client === null ? 'null' : typeof client}, not an object with the unified methods`);
  const classifyError = client.classifyError?.bind(client) ?? mod.classifyError ?? (inner as DriverModule | undefined)?.classifyError;
  return { client, classifyError, version: `module ${basename(spec.module)}`, notes: [] };
}
