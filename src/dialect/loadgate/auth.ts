/**
 * The mock exchange's request-signing scheme, shared by the mock (verify), the Node engines (sign with
 * node:crypto) and the k6 scenarios (sign with k6/crypto). Pure: no imports, so k6 and vitest both load it.
 *
 * signature = hex(HMAC-SHA256(apiSecret, timestampMs + METHOD + pathWithQuery + body))
 */
export const AUTH_HEADERS = {
  apiKey: 'x-lg-apikey',
  timestamp: 'x-lg-timestamp',
  signature: 'x-lg-signature',
  recvWindow: 'x-lg-recv-window',
} as const;

/** Default receive window: a request whose timestamp is further than this from the server clock is rejected. */
export const DEFAULT_RECV_WINDOW_MS = 5000;

/** The exact string that is signed. `pathWithQuery` starts with `/` and includes `?query` when present. */
export function signaturePayload(timestampMs: number | string, method: string, pathWithQuery: string, body: string): string {
  return `${timestampMs}${method.toUpperCase()}${pathWithQuery}${body}`;
}
