/**
 * What loadgate knows about k6's metric model without reading a file: built-in metric types
 * (k6 v0.48 `metrics/builtin.go`, unchanged at HEAD) and the exit codes (`errext/exitcodes/codes.go`).
 * See ../shared/fixtures/k6/FORMATS.md §2 and §10.
 */
export type K6MetricType = 'counter' | 'gauge' | 'rate' | 'trend';
export type K6Contains = 'time' | 'data' | 'default';

export interface K6MetricDecl {
  type: K6MetricType;
  contains: K6Contains;
}

const t = (type: K6MetricType, contains: K6Contains = 'default'): K6MetricDecl => ({ type, contains });

/** Built-in metrics, so a Point whose Metric line is absent (e.g. a file split by lines) still has a type. */
export const BUILTIN_METRICS: Readonly<Record<string, K6MetricDecl>> = {
  vus: t('gauge'),
  vus_max: t('gauge'),
  iterations: t('counter'),
  iteration_duration: t('trend', 'time'),
  dropped_iterations: t('counter'),
  checks: t('rate'),
  group_duration: t('trend', 'time'),
  data_sent: t('counter', 'data'),
  data_received: t('counter', 'data'),
  http_reqs: t('counter'),
  http_req_failed: t('rate'),
  http_req_duration: t('trend', 'time'),
  http_req_blocked: t('trend', 'time'),
  http_req_connecting: t('trend', 'time'),
  http_req_tls_handshaking: t('trend', 'time'),
  http_req_sending: t('trend', 'time'),
  http_req_waiting: t('trend', 'time'),
  http_req_receiving: t('trend', 'time'),
  ws_sessions: t('counter'),
  ws_connecting: t('trend', 'time'),
  ws_session_duration: t('trend', 'time'),
  ws_msgs_sent: t('counter'),
  ws_msgs_received: t('counter'),
  ws_ping: t('trend', 'time'),
  grpc_req_duration: t('trend', 'time'),
};

export interface ExitMeaning {
  /** What happened, for the report. */
  meaning: string;
  /** Summaries/NDJSON were written and describe the whole planned run. */
  complete: boolean;
  /** Data files may exist and hold partial data. */
  partialData: boolean;
  /** The run itself failed (no usable data): loadgate exits 3. */
  failed: boolean;
}

/** Names of the other k6 exit codes (`errext/exitcodes/codes.go`), so a failure message says what happened. */
const K6_EXIT_NAMES: Record<number, string> = {
  97: 'CloudTestRunFailed',
  98: 'CloudFailedToGetProgress',
  100: 'SetupTimeout: setup() ran longer than setupTimeout',
  101: 'TeardownTimeout: teardown() ran longer than teardownTimeout',
  102: 'GenericTimeout',
  103: 'ScriptStoppedFromRESTAPI',
  106: 'CannotStartRESTAPI',
  109: 'GoPanic: k6 crashed',
};

/** k6 exit codes → what loadgate does with the run (FORMATS.md §10). */
export function k6ExitMeaning(code: number | null, signal: NodeJS.Signals | null = null): ExitMeaning {
  if (code === null) {
    return { meaning: `k6 was killed by ${signal ?? 'a signal'}: partial data`, complete: false, partialData: true, failed: false };
  }
  switch (code) {
    case 0:
      return { meaning: 'k6 finished', complete: true, partialData: false, failed: false };
    case 99:
      // loadgate's own evaluate() gives the verdict; k6's thresholds failing is not a run failure.
      return { meaning: 'k6 thresholds crossed (exit 99); loadgate evaluates the SLA itself', complete: true, partialData: false, failed: false };
    case 104:
      return { meaning: 'k6 rejected the options or thresholds (exit 104, InvalidConfig)', complete: false, partialData: false, failed: true };
    case 105:
      return { meaning: 'k6 stopped by a signal (exit 105, ExternalAbort): partial data', complete: false, partialData: true, failed: false };
    case 107:
      return { meaning: 'the k6 script threw in init, setup() or teardown() (exit 107, ScriptException)', complete: false, partialData: true, failed: true };
    case 108:
      return { meaning: 'the k6 script aborted the test (exit 108, ScriptAborted): partial data', complete: false, partialData: true, failed: false };
    case 110:
      return { meaning: 'the k6 script marked the test failed (exit 110, MarkedAsFailed)', complete: true, partialData: false, failed: false };
    case 130:
    case 137:
    case 143:
      return { meaning: `k6 was killed (exit ${code} = 128+${code - 128}) before writing its summary: partial data`, complete: false, partialData: true, failed: false };
    default: {
      const name = K6_EXIT_NAMES[code];
      return { meaning: `k6 exited with ${code}${name ? ` (${name})` : ''}`, complete: false, partialData: true, failed: true };
    }
  }
}
