/**
 * The dialects, one line each (STYLE.md habit 14: adding an exchange = one folder + one line here). The suite
 * schema's `target.dialect` enum, `--help` and docs derive from `DIALECT_NAMES`.
 */
import type { Dialect } from './types.ts';
import { loadgate } from './loadgate/index.ts';
import { binanceSpot } from './binance-spot/index.ts';
import { okxV5 } from './okx-v5/index.ts';
import { bybitV5 } from './bybit-v5/index.ts';

export const DIALECTS = {
  loadgate,
  'binance-spot': binanceSpot,
  'okx-v5': okxV5,
  'bybit-v5': bybitV5,
} as const satisfies Record<string, Dialect>;

export type DialectName = keyof typeof DIALECTS;
/** For a zod enum: `z.enum(DIALECT_NAMES)`. */
export const DIALECT_NAMES = Object.keys(DIALECTS) as [DialectName, ...DialectName[]];
export const DEFAULT_DIALECT: DialectName = 'loadgate';

export function isDialectName(name: string): name is DialectName {
  return Object.prototype.hasOwnProperty.call(DIALECTS, name);
}

/** The dialect called `name`; throws a message listing the known ones. */
export function getDialect(name: string): Dialect {
  if (!isDialectName(name)) throw new Error(`unknown dialect "${name}"; known: ${DIALECT_NAMES.join(', ')}`);
  return DIALECTS[name];
}
