/**
 * Fast path for data frames in the exact shape the mock (and the protocol in mocks/streams.ts) sends:
 * `{"channel":"…","symbol":"…","seq":N,"ts":N,…`. JSON.parse of every message was most of the client's CPU per message
 * (issue #4's floor is 50 000 messages/s on one core); this reads the four leading fields positionally and leaves
 * `data` alone. Anything that doesn't match exactly returns undefined and goes through JSON.parse.
 */
export interface DataFrame {
  channel: string;
  symbol: string;
  seq: number;
  /** Server send time, epoch µs. */
  ts: number;
}

const CHANNEL = '{"channel":"';
const SYMBOL = '","symbol":"';
const SEQ = '","seq":';
const TS = ',"ts":';

/** Reads a non-negative integer at `from`; returns [value, index after it] or undefined. */
function readUint(s: string, from: number): [number, number] | undefined {
  let v = 0;
  let i = from;
  for (; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
  }
  return i === from || i - from > 16 ? undefined : [v, i];
}

export function parseDataFrame(raw: string): DataFrame | undefined {
  if (!raw.startsWith(CHANNEL)) return undefined;
  const channelEnd = raw.indexOf('"', CHANNEL.length);
  if (channelEnd < 0 || !raw.startsWith(SYMBOL, channelEnd)) return undefined;
  const symbolStart = channelEnd + SYMBOL.length;
  const symbolEnd = raw.indexOf('"', symbolStart);
  if (symbolEnd < 0 || !raw.startsWith(SEQ, symbolEnd)) return undefined;
  const seq = readUint(raw, symbolEnd + SEQ.length);
  if (seq === undefined || !raw.startsWith(TS, seq[1])) return undefined;
  const ts = readUint(raw, seq[1] + TS.length);
  if (ts === undefined) return undefined;
  const after = raw.charCodeAt(ts[1]);
  // Followed by `,` (more fields) or `}`; a `.` or `e` means a non-integer ts: let JSON.parse handle it.
  if (after !== 44 && after !== 125) return undefined;
  return { channel: raw.slice(CHANNEL.length, channelEnd), symbol: raw.slice(symbolStart, symbolEnd), seq: seq[0], ts: ts[0] };
}
