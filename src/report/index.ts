/** The run report: the paper's five conclusions evaluated on a run, and one self-contained HTML file per run. */
export { attackFamily, conclusionsByMeasure, evaluateConclusions, BOOTSTRAP_SETTINGS, CONCLUSION_MEASURES, CONCLUSION_THRESHOLDS } from "./conclusions.js";
export type { BootstrapSettings, ConclusionMeasure, ConclusionsByMeasure } from "./conclusions.js";
export { adaptiveConclusion } from "./adaptive.js";
export type { AdaptiveComparison, AdaptiveConclusion, BestRepeat } from "./adaptive.js";
export { pairedChecks } from "./paired.js";
export type { PairedCheck, PairedRatio } from "./paired.js";
export type { ConclusionInput, ConclusionResult, ConclusionThresholds, DecidingNumber, Verdict } from "./conclusions.js";
export type { ReportInput, ReportManifest, ReportRecord } from "./input.js";
export { buildReportHtml, reportFigures, REPORT_DEFAULTS } from "./report.js";
export type { ReportFigure, ReportOptions } from "./report.js";
export { readReportInput, writeReport, WRITE_REPORT_DEFAULTS } from "./writeReport.js";
export type { ReportProgress, WriteReportOptions } from "./writeReport.js";
export { escapeHtml, formatNumber, scopeSvgIds } from "./html.js";
export { headline, headlineText, numberWithInterval } from "./headline.js";
export type { Headline } from "./headline.js";
