/** Reporters: pure renderers (Report → string) plus one fs edge (write.ts). */
import { buildView, type ReportView } from './derive.js';
import { htmlFromView } from './html.js';
import { jsonFromView } from './json.js';
import { junitFromView } from './junit.js';
import { markdownFromView } from './markdown.js';
import { REPORT_FILE_NAMES, type Report, type ReportFormat } from './model.js';
import { prometheusFromView } from './prometheus.js';

export { renderConsole, type ConsoleOptions } from './console.js';
export { renderMarkdown } from './markdown.js';
export { renderJson, reportJson } from './json.js';
export { renderJunit } from './junit.js';
export { renderPrometheus } from './prometheus.js';
export { renderHtml, htmlPage, type HtmlOptions } from './html.js';
export { createProgress, type ProgressOptions, type ProgressRenderer } from './progress.js';
export { writeReportFiles, reportDirFor, safeTimestamp } from './write.js';
export { REPORT_FORMATS, REPORT_FILE_NAMES, REPORT_SCHEMA_VERSION, type Report, type ReportFormat, type ReportJson } from './model.js';

export interface RenderAllOptions {
  /** Trusted `<section>` HTML appended to report.html (e.g. from compare). */
  htmlExtraSections?: string[];
}

const RENDERERS: Record<ReportFormat, (r: Report, v: ReportView, o: RenderAllOptions) => string> = {
  json: jsonFromView,
  md: markdownFromView,
  html: (r, v, o) => htmlFromView(r, v, o.htmlExtraSections ? { extraSections: o.htmlExtraSections } : {}),
  junit: junitFromView,
  prom: prometheusFromView,
};

/** Render each format to its file name: report.json, report.md, report.html, junit.xml, metrics.prom. */
export function renderAll(report: Report, formats: readonly ReportFormat[], opts: RenderAllOptions = {}): Record<string, string> {
  const out: Record<string, string> = {};
  // The derived view (per-endpoint stats, notes) is the costly part: build it once for every format.
  const view = formats.length > 0 ? buildView(report) : undefined;
  for (const f of formats) out[REPORT_FILE_NAMES[f]] = RENDERERS[f](report, view!, opts);
  return out;
}
