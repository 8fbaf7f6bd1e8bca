/**
 * Sequence-gap detection for WebSocket streams, counted the way the mock defines loss (mocks/streams.ts):
 * each update carries a per-subscription `seq` (+1 per message); a seq never received is lost, a missing seq
 * that arrives later is reordered (not lost), a seq received twice is a duplicate. A gap is only confirmed
 * lost once the stream has moved `reorderWindow` seqs past it, or when the session ends (`flush`).
 * Pure, no imports (types only): used by scenarios/orderbook-ws.ts in k6 and tested by vitest.
 */

export interface SeqObservation {
  /** Seqs confirmed lost by this observation (gaps older than the reorder window). */
  lost: number;
  duplicate: boolean;
  /** A seq that had been missing arrived late. */
  reordered: boolean;
  /** First message of the stream. */
  first: boolean;
}

interface StreamState {
  highest: number;
  /** Missing seqs not yet confirmed lost. */
  pending: Set<number>;
}

export class SeqTracker {
  private readonly streams = new Map<string, StreamState>();
  constructor(private readonly reorderWindow = 64) {}

  /** Observe `seq` on a stream (e.g. `orderbook:BTC-USDT`). */
  observe(stream: string, seq: number): SeqObservation {
    const st = this.streams.get(stream);
    if (st === undefined) {
      this.streams.set(stream, { highest: seq, pending: new Set() });
      return { lost: 0, duplicate: false, reordered: false, first: true };
    }
    if (seq <= st.highest) {
      if (st.pending.delete(seq)) return { lost: 0, duplicate: false, reordered: true, first: false };
      return { lost: 0, duplicate: true, reordered: false, first: false };
    }
    let lost = 0;
    // A huge jump (a resubscription, a server restart): don't track millions of seqs one by one.
    const from = Math.max(st.highest + 1, seq - 10_000);
    lost += from - (st.highest + 1);
    for (let s = from; s < seq; s++) st.pending.add(s);
    st.highest = seq;
    for (const s of st.pending) {
      if (seq - s <= this.reorderWindow) break; // Set keeps insertion order: ascending seqs
      st.pending.delete(s);
      lost++;
    }
    return { lost, duplicate: false, reordered: false, first: false };
  }

  /** End of the session: every still-missing seq is lost. Returns lost counts per stream. */
  flush(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [stream, st] of this.streams) {
      if (st.pending.size > 0) out[stream] = st.pending.size;
      st.pending.clear();
    }
    return out;
  }
}

export interface StreamUpdate {
  channel: string;
  symbol: string;
  seq: number;
  /** Server send time, epoch ms (the mock sends µs; older mocks ms: both are normalized). */
  tsMs: number;
}

/** Parse one WebSocket text frame; undefined for acks (`op`), errors and anything that is not a data message. */
export function parseUpdate(text: string): StreamUpdate | undefined {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (m === null || typeof m !== 'object') return undefined;
  const o = m as Record<string, unknown>;
  if (o.op !== undefined) return undefined;
  if (o.type !== undefined && o.type !== 'update' && o.type !== 'snapshot') return undefined;
  const seq = Number(o.seq);
  const ts = Number(o.ts);
  if (typeof o.channel !== 'string' || !Number.isFinite(seq) || !Number.isFinite(ts)) return undefined;
  // Epoch µs is ~1.8e15, epoch ms ~1.8e12.
  return { channel: o.channel, symbol: typeof o.symbol === 'string' ? o.symbol : '', seq, tsMs: ts > 1e14 ? ts / 1000 : ts };
}

/** The subscribe message of the mock's protocol. */
export function subscribeMessage(channel: string, symbol: string, id = 1): string {
  return JSON.stringify({ op: 'subscribe', channel, symbol, id });
}
