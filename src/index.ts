/** loadgate's public API: what a user needs to run suites, evaluate and report from code. */
export { EXIT, LoadgateError, InputError, RunError, type ExitCode } from './errors.js';
export { loadSuite, loadSla, parseSuite, formatZodError } from './suite/load.js';
export { suiteSchema, slaSchema, suiteJsonSchema, HTTP_ENDPOINTS, STREAM_CHANNELS, type Suite, type SuiteInput, type Workload, type SlaSpec } from './suite/schema.js';
export { runResultSchema, RESULT_SCHEMA_VERSION, ERROR_CLASSES, type RunResult, type EndpointResult, type ErrorClass } from './result/model.js';
export { EndpointRecorder } from './result/recorder.js';
export { mergeResults } from './result/merge.js';
export { endpointStats, overallEndpoint, measuredWindow, type EndpointStats } from './result/stats.js';
export { summarizeHistogram, decodeHistogram, encodeHistogram, type LatencySummaryMs } from './result/histogram.js';
export { compileSla, type Check, type SlaPlan } from './sla/checks.js';
export { evaluate, type Verdict, type CheckResult } from './sla/evaluate.js';
export { PRESETS } from './sla/presets.js';
export { runSuite, type RunOptions } from './run.js';
export { liveOrderDecision, isLoopbackHost, type LiveOrderDecision } from './safety.js';
export { planRateCap, type RateCapPlan } from './rate-cap.js';
export { dryRunPlan, renderDryRun, type DryRunPlan } from './plan-print.js';
export { ENGINES, getEngine } from './engines/registry.js';
export type { Engine, EngineContext, EngineOutput } from './engines/types.js';
export { renderAll, renderConsole, renderMarkdown, renderJson, renderHtml, renderJunit, renderPrometheus, writeReportFiles, reportDirFor, type Report } from './report/index.js';
// The mock exchange is its own entry point, `loadgate/mock` (mocks/index.ts); the library only knows its options.
export { mockOptionsSchema, type MockExchangeOptions } from './suite/mock-options.js';
export { startMockProcess, type MockProcess } from './mock-process.js';
export { compare, renderCompareMarkdown, renderCompareJson, renderCompareHtmlSection, type Comparison } from './compare/index.js';
