/** compare: a before/after diff between runs that tells a real regression from noise (issue #5). */
export { compare, DEFAULT_COMPARE_OPTIONS, THIN_TAIL_SAMPLES, MIN_SECONDS, MAX_ITERATIONS } from './compare.js';
export type { Comparison, CompareOptions, ResolvedCompareOptions, EndpointComparison, MetricComparison, MetricVerdict, MetricId, PhaseCheck, SideSummary, SlaSide, TrustProblem } from './compare.js';
export { renderCompareMarkdown, renderCompareJson, renderCompareHtmlSection, compareChartSvg, fmtChange, VERDICT_ICON } from './render.js';
export { mulberry32, type Rng, type RngFactory } from './random.js';
