import type { TopLevelSpec } from "vega-lite";
import { mayBeRandom } from "../attacks/record.js";
import type { AdversarialProfile } from "../figures/adversarialProfile.js";
import { certifiedAccuracyAt, certifiedAccuracyCurves } from "../figures/certifiedAccuracy.js";
import type { DichotomySpread } from "../figures/dichotomySpread.js";
import { adaptiveTradeoff } from "../figures/adaptiveTradeoff.js";
import { defenseLabel, distortionVsAccuracy } from "../figures/distortionAccuracy.js";
import { attackName, attackRank, attacksAtSeveralBudgets, budgetSuffix, inReadingOrder } from "../figures/format.js";
import type { AccuracyInput, AttackInput, CertificationInput } from "../figures/inputs.js";
import { DISTORTION_MEASURES, MEASURE_LABELS, type DistortionMeasure } from "../figures/measure.js";
import { practicalToCertified } from "../figures/ratioTable.js";
import { renderSvg } from "../figures/render.js";
import type { Slice } from "../figures/slice.js";
import { adaptiveTradeoffSpec, adversarialProfileSpec, certifiedAccuracySpec, dichotomySpreadSpec, distortionAccuracySpec, sliceSpec } from "../figures/specs.js";
import { adaptiveConclusion, hasRepeatingAttacker, type AdaptiveConclusion } from "./adaptive.js";
import { imagesNeededText } from "./rules.js";
import { BOOTSTRAP_SETTINGS, CONCLUSION_MEASURES, CONCLUSION_THRESHOLDS, conclusionsByMeasure, type ConclusionMeasure, type ConclusionResult, type ConclusionsByMeasure, type DecidingNumber } from "./conclusions.js";
import { withStrongest } from "../figures/strongest.js";
import { strongestShares } from "../figures/strongestShare.js";
import { pairedChecks, type PairedCheck } from "./paired.js";
import { escapeHtml, formatNumber, keyValueTable, scopeSvgIds, STYLE, table, type Cell } from "./html.js";
import type { ReportInput, ReportRecord } from "./input.js";

/** Options of `buildReportHtml`. */
export interface ReportOptions {
  /** Panels drawn per computed figure (Fig. 1-3: one per image and defense). Defaults to 3. */
  readonly maxPanels?: number;
}

/** Defaults of the report: 3 panels per computed figure keep the file small (each panel is one image). */
export const REPORT_DEFAULTS = { maxPanels: 3 } as const;

/** A figure of the report: its spec, for the report and for the figure files. */
export interface ReportFigure {
  /** File-safe name, e.g. "fig1-image12-rs-3%" → "fig1-image12-rs-3". */
  readonly name: string;
  readonly title: string;
  readonly caption: string;
  readonly spec: TopLevelSpec;
}

/** The figures of a run, from its records (Fig. 1-3 from figure records, Fig. 4-5 from the others). */
export function reportFigures(records: readonly ReportRecord[], options: ReportOptions = {}, classNames?: readonly string[]): ReportFigure[] {
  const maxPanels = options.maxPanels ?? REPORT_DEFAULTS.maxPanels;
  const { attacks, accuracies, certifications } = split(records);
  const figures: ReportFigure[] = [];
  const computed = records.filter((r): r is Extract<ReportRecord, { kind: "figure" }> => r.kind === "figure" && isFigureData(r.data, r.figure));
  for (const figure of ["fig1", "fig2", "fig3"] as const) {
    for (const r of computed.filter((c) => c.figure === figure).slice(0, maxPanels)) {
      const name = `${figure}-image${r.image}-${r.defense}`.replace(/[^A-Za-z0-9._-]+/g, "_");
      const where = `image ${r.image}, ${r.defense} (σ = ${formatNumber(r.sigma)})`;
      if (figure === "fig1") {
        const data = r.data as AdversarialProfile;
        figures.push({
          name, title: `Fig. 1: probability of being adversarial past the base boundary (${where})`, spec: adversarialProfileSpec(data),
          caption:
            `Along the direction x_a − x_o beyond a boundary point x_a of the base classifier (${formatNumber(data.baseDistance)} from x_o), ` +
            `p(t) is the probability that one noisy micro-decision is wrong (Monte Carlo, ${data.draws} draws per point) and each n curve is ` +
            `P[Binomial(n, p) ≥ ⌈n·Pa⌉]. Dashed rules: the base boundary (t = 0) and the RS boundary where p = 1/2 ` +
            `(${data.rsBoundary === null ? "not reached" : `t = ${formatNumber(data.rsBoundary)}`}).`,
        });
      } else if (figure === "fig2") {
        const data = r.data as Slice;
        figures.push({
          name, title: `Fig. 2: input-space slice (${where})`, spec: sliceSpec(data, classNames),
          caption:
            `A ${data.resolution}×${data.resolution} grid over [−${formatNumber(data.extent)}, ${formatNumber(data.extent)}]² (L2, pixel space) ` +
            `along two random orthonormal directions through the image (cross), coloured by the label each classifier predicts. ` +
            `The smoothed panels are one random majority vote per point: with few draws the regions fray near the boundary.`,
        });
      } else {
        const data = r.data as DichotomySpread;
        figures.push({
          name, title: `Fig. 3: dichotomy output under RS (${where})`, spec: dichotomySpreadSpec(data),
          caption:
            `${data.series[0]?.distances.length ?? 0} binary searches (${data.steps} halvings each) per n between the image and a point ` +
            `${formatNumber(data.segmentLength)} away, deciding with g(σ, n) at level Pa = ${data.pa}. Red: where the same dichotomy ends with a ` +
            `large-n g(σ) (${formatNumber(data.referenceDistance)}); dashed: the base boundary ` +
            `(${data.baseDistance === null ? "not computed" : formatNumber(data.baseDistance)}).`,
        });
      }
    }
  }
  const curves = certifiedAccuracyCurves(certifications);
  if (curves.length > 0) {
    figures.push({
      name: "fig4", title: "Fig. 4: certified accuracy vs radius", spec: certifiedAccuracySpec(curves),
      caption: "Share of the certified images that Cohen et al.'s CERTIFY classifies correctly with a certified L2 radius of at least r; abstentions count as failures.",
    });
  }
  const points = distortionVsAccuracy(withStrongest(attacks), accuracies);
  if (points.some((p) => p.meanL2 !== null && p.accuracy !== null)) {
    const hardenedRow = points.some((p) => p.defense.sigma !== null && p.measures.hardened?.meanL2 != null);
    figures.push({
      name: "fig5", title: "Fig. 5: mean L2 distortion vs accuracy", spec: distortionAccuracySpec(points),
      caption: "One point per defense point (defense, n, Pa) and attack: accuracy of the defense (one call) against the mean final L2 distortion of the successful attacks on the images it classifies correctly (the shortcut measure: the attacks' own final points)" +
        (hardenedRow ? "; bottom row: the mean L2 of the hardened points (the nearest points the sequential test verifies adversarial at level Pa), with the strongest attack: per image, the smallest hardened L2 of any attack of the defense point." : "."),
    });
  }
  const tradeoff = adaptiveTradeoff(attacks);
  if (hasRepeatingAttacker(tradeoff) && tradeoff.some((p) => p.meanDistortion !== null && p.meanCalls !== null)) {
    figures.push({
      name: "fig6", title: "Fig. 6: the adaptive attacker's trade-off, hardened distortion vs total calls of g", spec: adaptiveTradeoffSpec(tradeoff),
      caption:
        "One line per (n, K) through the attack budgets: an attacker who asks K calls of g(σ, n) per step (K = 1: one label per step) pays the attack's queries and the calls " +
        "of hardening its final point, and holds a point the sequential test verifies adversarial at level Pa (eq. 4). x: those calls, mean per attacked image (log scale); " +
        "y: mean hardened distortion over the hardened images, in the attack's norm (L2 for HSJA and SurFree, Linf for RayS). Lower is a stronger attacker.",
    });
  }
  return figures;
}

/**
 * The self-contained HTML report of a run: the five conclusions with their numbers, the figures
 * (inline SVG), the tables, the run (seeds, run time, software versions), the model cards and the
 * configuration. No script, stylesheet, font or image is loaded from anywhere.
 */
export async function buildReportHtml(
  input: ReportInput,
  options: ReportOptions = {},
  /** The figures' SVGs already rendered (renderSvg of reportFigures' specs, by name): writeReport renders each once. */
  svgs?: ReadonlyMap<string, string>,
): Promise<string> {
  const { attacks, accuracies, certifications, calibrations } = split(input.records);
  const conclusions = conclusionsByMeasure({ attacks, accuracies, certifications });
  const adaptive = adaptiveConclusion(attacks);
  const figures = reportFigures(input.records, options, input.classNames);
  const rendered = await Promise.all(figures.map(async (f) => ({ ...f, svg: scopeSvgIds(svgs?.get(f.name) ?? await renderSvg(f.spec), f.name) })));
  const generatedAt = input.generatedAt ?? new Date().toISOString();
  const m = input.manifest;
  const status = m === null ? "no run.json" : `${m.done}/${m.items} items${m.complete ? ", complete" : ", INCOMPLETE (the numbers below cover the finished items only)"}`;

  const sections: string[] = [];
  sections.push(`<h1>${escapeHtml(input.title)}</h1>
<p class="muted">rsbench report generated ${escapeHtml(generatedAt)} · ${escapeHtml(status)} · ${input.records.length} result records</p>`);

  sections.push(`<h2 id="conclusions">The paper's conclusions on this run</h2>
<p class="muted">Each conclusion of the paper (docs/paper.md, "Conclusions to reproduce") is turned into a rule with explicit thresholds and evaluated on this run's records, three times: on the <strong>hardened</strong> distortions (the nearest point outward from each final point that a sequential test verifies adversarial at level Pa by eq. (4); what an attacker must pay to hold a real adversarial example), on the <strong>verified</strong> distortions (the final points that passed the check of eq. (4)) and on the <strong>shortcut</strong> distortions (the attacks' own final points, the best point their oracle ever accepted: what the paper reports). Without RS the three are the same. A fourth column judges the <strong>strongest</strong> attack: per image, the smallest hardened distortion that any attack of the defense point reached (AutoAttack's per-image worst case), whatever its oracle rule.</p>
<p class="muted">Every rule reads <strong>paired</strong> numbers: the ratio of two cells' mean L2 over the images that have a distortion in both (at least ${CONCLUSION_THRESHOLDS.minImages}), or for conclusion 1 the median of the per-image ratios practical / certified. Each has a 95% paired bootstrap interval over images (BCa, ${BOOTSTRAP_SETTINGS.resamples} resamples, seed ${BOOTSTRAP_SETTINGS.seed}: the same records give the same intervals). A conclusion <em>holds</em> or <em>does not hold</em> only when the intervals lie on one side of its thresholds (each rule says how its groups combine); otherwise it is <em>inconclusive</em>, with a rough count of the images per cell that would decide it (the interval's half-width shrinks as 1/√images). The paper's reading, the whole cells' means over different images, is kept as context under each conclusion and decides nothing.</p>
${judgementNote(conclusions)}
${conclusionsTable(conclusions)}`);
  sections.push(pairedSection(pairedChecks(attacks, conclusions.judgedOn), conclusions.judgedOn));
  sections.push(adaptiveSection(adaptive));

  sections.push(`<h2 id="figures">Figures</h2>`);
  if (rendered.length === 0) sections.push(`<p class="muted">This run computed no figure.</p>`);
  for (const f of rendered) {
    sections.push(`<figure class="figure" id="${escapeHtml(f.name)}">
<figcaption><strong>${escapeHtml(f.title)}.</strong> ${escapeHtml(f.caption)}</figcaption>
${f.svg}
</figure>`);
  }
  const missing = ["fig1", "fig2", "fig3", "fig4", "fig5"].filter((n) => !rendered.some((f) => f.name.startsWith(n)));
  if (missing.length > 0) sections.push(`<p class="muted">Not in this run (no records for them): ${missing.map((n) => `Fig. ${n.slice(3)}`).join(", ")}.</p>`);
  for (const r of input.records) {
    const reason = r.kind === "figure" ? skipReason(r.data) : null;
    if (r.kind === "figure" && reason) sections.push(`<p class="muted">${escapeHtml(`Fig. ${r.figure.slice(3)} skipped image ${r.image}: ${reason}.`)}</p>`);
  }
  const maxPanels = options.maxPanels ?? REPORT_DEFAULTS.maxPanels;
  for (const figure of ["fig1", "fig2", "fig3"] as const) {
    const drawable = input.records.filter((r) => r.kind === "figure" && r.figure === figure && isFigureData(r.data, figure)).length;
    if (drawable > maxPanels) sections.push(`<p class="muted">Fig. ${figure.slice(3)}: ${drawable - maxPanels} more panel(s) in the results, not drawn (at most ${maxPanels} per figure).</p>`);
  }
  const foreign = input.records.filter((r) => r.kind === "figure" && !isFigureData(r.data, r.figure) && skipReason(r.data) === null).length;
  if (foreign > 0) sections.push(`<p class="muted">${foreign} figure record(s) hold data in a format the figure module does not draw (another environment's figure computation).</p>`);

  sections.push(`<h2 id="tables">Tables</h2>`);
  if (attacks.some((a) => a.verification != null)) {
    sections.push(`<p class="muted" id="verification">Verified: an attack's oracle accepts a query when at least ⌈n·Pa⌉ of one call's n draws are wrong (the paper's attack-side shortcut) and keeps the best point it ever accepted, so with small n a lucky answer close to the original can be kept. After the attack, outside its budget and with its own noise, each final adversarial point is checked against the paper's definition (4), P[g<sub>σ,n</sub>(x<sub>a</sub>) ≠ y] ≥ Pa: the smoothed classifier is called again on it (a fresh majority vote of n draws each time). Runs whose attacks set <code>"verification": "sequential"</code> count a point as verified when a sequential Clopper–Pearson test (error α per wrong answer, Bonferroni over a fixed schedule of looks) shows P ≥ Pa; older runs (the point estimate) when the share of wrong labels is at least Pa. The column gives the verified points over the attacked images; “–”: not checked (no RS, or not asked for).</p>`);
  }
  sections.push(attackTable(withStrongest(attacks), accuracies));
  const shares = strongestShareTable(attacks);
  if (shares !== null) sections.push(shares);
  sections.push(ratioTable(withStrongest(attacks), certifications));
  if (hasRepeatingAttacker(adaptive.points)) sections.push(tradeoffTable(adaptive));
  sections.push(certifiedTable(certifications));
  if (calibrations.length > 0) {
    sections.push(table("calibration", "Calibrated noise levels (sigma for a requested accuracy drop)",
      ["model", "drop", "sigma", "clean accuracy", "smoothed accuracy", "images", "draws n"],
      calibrations.map((c) => [c.model, c.drop, c.sigma, c.cleanAccuracy, c.smoothedAccuracy, c.images, c.n])));
  }

  sections.push(`<h2 id="run">Run</h2>`);
  if (m !== null) {
    sections.push(keyValueTable("run-table", "Run", [
      ["name", m.name],
      ["seed", m.seed],
      ["created", m.created],
      ["last updated", m.updated],
      ["items done", `${m.done} of ${m.items}`],
      ["complete", m.complete ? "yes" : "no"],
      ["wall time", formatDuration(m.wallSeconds)],
      ["sessions (runs and resumptions)", m.sessions],
      ["workers", m.workers],
    ]));
    sections.push(keyValueTable("software", "Software versions", [
      ["rsbench", m.software.rsbench],
      ["node", m.software.node],
      ["onnxruntime-node", m.software.onnxruntime ?? "not installed"],
      ["platform", m.software.platform],
      ["cpus", m.software.cpus],
    ]));
  }
  sections.push(keyValueTable("seeds", "Seeds", seedEntries(input)));

  sections.push(`<h2 id="models">Model cards</h2>`);
  if (input.modelCards.length === 0) sections.push(`<p class="muted">No model named in the configuration.</p>`);
  input.modelCards.forEach(({ name, card }, i) => {
    sections.push(card === null || typeof card !== "object"
      ? `<p>${escapeHtml(name)}: <span class="muted">no model card (not a shipped model, or its card has not been written).</span></p>`
      : keyValueTable(`model-card-${i}`, `Model card: ${name}`, Object.entries(card as Record<string, unknown>).map(([k, v]) => [k, cardValue(v)])));
  });

  sections.push(`<h2 id="configuration">Configuration</h2>
<pre id="config">${escapeHtml(JSON.stringify(input.config, null, 2))}</pre>`);

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(input.title)} · rsbench report</title>
<style>${STYLE}</style>
</head>
<body>
${sections.join("\n\n")}
</body>
</html>
`;
}

function split(records: readonly ReportRecord[]) {
  const attacks: AttackInput[] = [], accuracies: AccuracyInput[] = [], certifications: CertificationInput[] = [];
  const calibrations: Extract<ReportRecord, { kind: "calibration" }>[] = [];
  for (const r of records) {
    if (r.kind === "attack") attacks.push(r);
    else if (r.kind === "accuracy") accuracies.push(r);
    else if (r.kind === "certification") certifications.push(r);
    else if (r.kind === "calibration") calibrations.push(r);
  }
  return { attacks, accuracies, certifications, calibrations };
}

/** Whether a figure record's data is what the figure module computes for `figure` (other environments may store other data). */
function isFigureData(data: unknown, figure: string): boolean {
  return data !== null && typeof data === "object" && (data as { figure?: unknown }).figure === figure && !("skipped" in data);
}

/** The reason a figure computation gave for skipping an image, or null. */
function skipReason(data: unknown): string | null {
  return data !== null && typeof data === "object" && typeof (data as { skipped?: unknown }).skipped === "string" ? (data as { skipped: string }).skipped : null;
}

/** Which measure the verdicts are judged on, and what is missing. */
function judgementNote(c: ConclusionsByMeasure): string {
  const notes = DISTORTION_MEASURES.filter((m) => c.missing[m] !== null).map((m) => `${MEASURE_LABELS[m]}: ${c.missing[m]}.`);
  const judged = c.judgedOn === "hardened"
    ? "The verdicts are judged on the hardened distortions, attack by attack: they test the paper's statements about each attack. " +
      (c.results.strongest ? "The strongest column answers the defender's question, against the worst case over every attack of the run, image by image (its deciding numbers follow the hardened ones); a robustness finding should rest on it. " : "") +
      "The shortcut verdicts are kept for comparison with the paper."
    : "Hardened numbers are not available for this run (its records carry no hardened points: run it with attacks[].harden), so the verdicts shown first are those on the shortcut distortions, the paper's measure.";
  return `<p id="judged-on" class="muted">${escapeHtml(judged)}${notes.length ? ` ${escapeHtml(notes.join(" "))}` : ""}</p>`;
}

function verdictCell(results: readonly ConclusionResult[] | null, i: number, missing: string | null): Cell {
  if (results === null) return { html: `<span class="muted" title="${escapeHtml(missing ?? "")}">not available</span>` };
  const r = results[i];
  const v = r.verdict;
  const needed = v === "inconclusive"
    ? `<br><span class="muted">${escapeHtml(imagesNeededText(r.imagesNeeded, "cell"))}</span>`
    : "";
  return { html: `<span class="verdict verdict-${v.replace(/ /g, "-")}">${escapeHtml(v)}</span>${needed}` };
}

function conclusionsTable(c: ConclusionsByMeasure): string {
  const judged = c.results[c.judgedOn]!;
  const others = CONCLUSION_MEASURES.filter((m) => m !== c.judgedOn && c.results[m] !== null);
  return table("conclusions-table", "Conclusions of the paper, evaluated on hardened, strongest, verified and shortcut distortions (paired numbers with 95% bootstrap intervals)",
    ["#", "conclusion", "hardened", "strongest", "verified", "shortcut (paper's measure)", `deciding numbers (${c.judgedOn}), 95% interval, images`, "rule"],
    judged.map((r, i) => [
      r.id,
      r.statement,
      verdictCell(c.results.hardened, i, c.missing.hardened),
      verdictCell(c.results.strongest, i, c.missing.strongest),
      verdictCell(c.results.verified, i, c.missing.verified),
      verdictCell(c.results.shortcut, i, c.missing.shortcut),
      {
        html: numberList(r.numbers) + (r.note ? `<span class="muted">${escapeHtml(r.note)}</span>` : "") +
          unpairedOf(c.judgedOn, r) +
          others.map((m) => (m === "strongest" ? strongestNumbers(c.results[m]![i]) : numbersOf(m, c.results[m]![i]))).join(""),
      },
      r.rule,
    ]));
}

/** The unpaired cell means (the paper's reading), folded away. */
function unpairedOf(measure: ConclusionMeasure, r: ConclusionResult): string {
  if (r.unpaired.numbers.length === 0) return "";
  return `<details><summary>${escapeHtml(`${measure}, unpaired cell means (context): ${r.unpaired.verdict}`)}</summary>${numberList(r.unpaired.numbers, r.unpaired.numbers.length)}</details>`;
}

/** The strongest attack's deciding numbers, shown (the first two) under the judged ones: the worst case is the robustness verdict. */
function strongestNumbers(r: ConclusionResult): string {
  const body = r.numbers.length ? numberList(r.numbers, 2) : `<span class="muted">${escapeHtml(r.note ?? "no numbers")}</span>`;
  return `<p class="strongest-numbers"><strong>${escapeHtml(`strongest: ${r.verdict}`)}</strong></p>${body}${unpairedOf("strongest", r)}`;
}

/** The deciding numbers under another measure, folded away. */
function numbersOf(measure: ConclusionMeasure, r: ConclusionResult): string {
  const body = r.numbers.length ? numberList(r.numbers, r.numbers.length) : `<span class="muted">${escapeHtml(r.note ?? "no numbers")}</span>`;
  return `<details><summary>${escapeHtml(`${measure}: ${r.verdict}`)}</summary>${body}${unpairedOf(measure, r)}</details>`;
}

/** Conclusions 2-5 with each ratio over the images both cells have (paired.ts); nothing when no pair exists. */
function pairedSection(checks: readonly PairedCheck[], measure: DistortionMeasure): string {
  if (checks.length === 0) return "";
  const rows = checks.map((c) => {
    const values = c.ratios.map((r) => r.value), images = c.ratios.map((r) => r.images);
    return [
      c.id,
      c.description,
      { html: numberList(c.summary) || `<span class="muted">each pair decides (see every pair)</span>` },
      `${formatNumber(Math.min(...values), 3)} to ${formatNumber(Math.max(...values), 3)}`,
      c.ratios.length,
      `${Math.min(...images)} to ${Math.max(...images)}`,
      { html: `<details><summary>all ${c.ratios.length}</summary>${numberList(c.ratios.map((r) => ({ label: `${r.label} (${r.images} images)`, value: r.value })), c.ratios.length)}</details>` },
    ] as Cell[];
  });
  return `<h3 id="paired">Paired check of conclusions 2-5</h3>
<p class="muted">The rules above compare the mean distortion of whole cells, and two cells hold different images: each defense point (σ, n, or none at all) misclassifies other images, and an image a defense misclassifies is not attacked there. Here each ratio is taken over the images that have a ${escapeHtml(measure)} distortion in both cells (at least ${CONCLUSION_THRESHOLDS.minImages}). The verdicts above are judged on these ratios, with their intervals; this table gives their range at a glance.</p>
${table("paired-table", `Conclusions 2-5 on the images both cells have (${measure} distortions)`, ["#", "ratio", "summary", "range over the pairs", "pairs", "common images", "every pair"], rows)}`;
}

/** The section answering whether conclusion 4 survives the adaptive attacker (Fig. 6). */
function adaptiveSection(a: AdaptiveConclusion): string {
  const verdict = `<span class="verdict verdict-${a.verdict.replace(/ /g, "-")}">${escapeHtml(a.verdict)}</span>`;
  const rows = a.comparisons.map((c) => [
    c.defense, c.pa, attackName(c.attack), c.budget, c.images,
    c.fewer.n, c.fewer.k, c.fewer.meanDistortion, `${c.fewer.hardened}/${c.fewer.attacked}`,
    c.more.n, c.more.k, c.more.meanDistortion, `${c.more.hardened}/${c.more.attacked}`, c.ratio, `[${formatNumber(c.low, 3)}, ${formatNumber(c.high, 3)}]`,
  ] as Cell[]);
  const needed = a.verdict !== "inconclusive" ? "" : ` (${imagesNeededText(a.imagesNeeded, "comparison")}.)`;
  return `<h3 id="adaptive">Does conclusion 4 survive an attacker who repeats queries? (Fig. 6)</h3>
<p>${escapeHtml(a.statement)} ${verdict}${escapeHtml(needed)}${a.note ? ` <span class="muted">${escapeHtml(a.note)}</span>` : ""}</p>
${numberList(a.numbers)}
<p class="muted">Rule: ${escapeHtml(a.rule)}. The attacker asks K calls of g(σ, n) per step (repeat:K; label is K = 1) and hardens its final point; the distortions are hardened ones, in the attack's norm.</p>
${a.comparisons.length ? table("adaptive-table", "Conclusion 4 at each attack budget: the attacker's best K at the smallest and the largest n, means over the images hardened at every K of both n", ["defense", "Pa", "attack", "attack budget", "images compared", "n (fewer)", "best K", "mean hardened distortion", "hardened (all images)", "n (more)", "best K", "mean hardened distortion", "hardened (all images)", "ratio fewer / more", "95% interval"], rows) : ""}`;
}

/** Every Fig. 6 point. */
function tradeoffTable(a: AdaptiveConclusion): string {
  const points = [...a.points].sort((p, q) => p.defense.localeCompare(q.defense) || attackRank(p.attack) - attackRank(q.attack) || p.attack.localeCompare(q.attack) || p.n - q.n || p.k - q.k || p.budget - q.budget);
  return table("tradeoff-table", "The adaptive attacker (the data of Fig. 6): hardened distortion in the attack's norm and total calls of g (attack queries + hardening calls), mean per attacked image",
    ["defense", "σ", "n", "oracle", "K", "attack", "norm", "attack budget", "attacked images", "hardened", "mean total calls", "mean hardened distortion", "median hardened distortion"],
    points.map((p) => [p.defense, p.sigma, p.n, p.rule, p.k, attackName(p.attack), p.norm, p.budget, p.attacked, `${p.hardened}/${p.attacked}`, p.meanCalls, p.meanDistortion, p.medianDistortion]));
}

/** The first few deciding numbers (with their interval and images when they have one), the rest folded away. */
function numberList(numbers: readonly DecidingNumber[], shown = 4): string {
  const interval = (n: DecidingNumber) => (n.low === undefined || n.high === undefined ? "" : ` [${formatNumber(n.low, 3)}, ${formatNumber(n.high, 3)}]${n.images === undefined ? "" : ` on ${n.images} images`}`);
  const item = (n: DecidingNumber) => `<li>${escapeHtml(n.label)}: <strong>${escapeHtml(formatNumber(n.value, 3))}</strong>${escapeHtml(interval(n))}</li>`;
  if (numbers.length === 0) return "";
  const head = `<ul class="numbers">${numbers.slice(0, shown).map(item).join("")}</ul>`;
  if (numbers.length <= shown) return head;
  return `${head}<details><summary>${numbers.length - shown} more</summary><ul class="numbers">${numbers.slice(shown).map(item).join("")}</ul></details>`;
}

function attackTable(attacks: readonly AttackInput[], accuracies: readonly AccuracyInput[]): string {
  const points = inReadingOrder(distortionVsAccuracy(attacks, accuracies));
  const several = attacksAtSeveralBudgets(attacks);
  const share = (m: { count: number } | null, attacked: number) => (m === null ? null : `${m.count}/${attacked}`);
  return table("attacks-table", "Attacks: L2 distortion per defense point and attack, shortcut (the attacks' final points, the data of Fig. 5), verified and hardened",
    ["defense point", "attack", "accuracy (one call)", "accuracy from", "originals adversarial at level Pa", "accuracy at level Pa", "attacked images", "successes", "shortcut mean L2", "shortcut median L2",
      "verified (eq. 4)", "verified mean L2", "verified median L2", "hardened", "hardened mean L2", "hardened median L2"],
    points.map((p) => {
      // RS and remote endpoints (sigma null, an oracle rule) have checked points; a deterministic defense has none.
      const verified = mayBeRandom(p.defense) ? p.measures.verified : null;
      const hardened = mayBeRandom(p.defense) ? p.measures.hardened : null;
      return [
        defenseLabel(p.defense) + (p.defense.oracle ? ` oracle=${p.defense.oracle}` : ""), attackName(p.attack) + budgetSuffix(p.budget, several.has(p.attack)),
        p.accuracy, p.accuracySource, p.adversarialAtLevel, p.levelAccuracy, p.attacked, p.successes, p.meanL2, p.medianL2,
        p.verified === null ? null : `${p.verified}/${p.attacked}`, verified?.meanL2 ?? null, verified?.medianL2 ?? null,
        share(hardened, p.attacked), hardened?.meanL2 ?? null, hardened?.medianL2 ?? null,
      ];
    }));
}

/**
 * Which attack reached each image's strongest distortion (strongestShare.ts), when some defense
 * point has two attacks or more; null otherwise (there is nothing to compare).
 */
function strongestShareTable(attacks: readonly AttackInput[]): string | null {
  const { rows, totals } = strongestShares(attacks);
  const compared = new Set(rows.map((r) => JSON.stringify([r.defense.id, r.budget])));
  if (compared.size === rows.length) return null;
  const several = attacksAtSeveralBudgets(attacks);
  const name = (r: { attack: string; oracle?: string; budget?: number | null }) => attackName(r.attack) + budgetSuffix(r.budget, several.has(r.attack)) + (r.oracle ? ` (oracle=${r.oracle})` : "");
  const share = (r: { strongest: number; images: number }) => r.images ? `${r.strongest}/${r.images} (${Math.round(100 * r.strongest / r.images)}%)` : null;
  return table("strongest-table",
    "The per-image strongest attack, attack by attack: on how many of the images it attacked each attack reached the smallest distortion of any attack of the defense point (ties count for each; hardened points against a defense with noise, final points without), its distortion / the strongest one and / the best of the other attacks (below 1: it usually beats them all), medians over the images it reached. First pooled over every defense point with noise, then per defense point.",
    ["defense point", "attack", "images it attacked (with a strongest distortion)", "images it reached", "it is the strongest on", "median of its distortion / strongest", "median of its distortion / the best other attack's"],
    [
      ...[...totals].sort((a, b) => attackRank(a.attack) - attackRank(b.attack) || (a.oracle ?? "").localeCompare(b.oracle ?? "")).map((t) => [
        "all defense points with noise", name(t), t.images, t.reached, share(t), t.medianRatio, t.medianVsOthers,
      ] as Cell[]),
      ...inReadingOrder(rows.map((r) => (r.oracle ? { ...r, defense: { ...r.defense, oracle: r.oracle } } : r))).map((r) => [defenseLabel(r.defense), name(r), r.images, r.reached, share(r), r.medianRatio, r.medianVsOthers] as Cell[]),
    ]);
}

function ratioTable(attacks: readonly AttackInput[], certifications: readonly CertificationInput[]): string {
  const rows = inReadingOrder(practicalToCertified(attacks, certifications));
  const several = attacksAtSeveralBudgets(attacks);
  const ratios = (m: { medianRatio: number | null; ratioOfMeans: number | null; pairs: number } | null): Cell[] => (m === null ? [null, null, null] : [m.pairs, m.ratioOfMeans, m.medianRatio]);
  return table("ratio-table",
    "Practical distortion / certified radius, on the images with a distortion under the measure and a correct certificate (R > 0): ratio of the means, and median of the per-image ratios ||x − x_o|| / R(x_o); shortcut: the attacks' final points x_a, verified: those passing eq. (4), hardened: the hardened points",
    ["defense point", "attack", "mean radius R (shortcut images)", "shortcut images", "shortcut mean L2 / mean R", "shortcut median of L2 / R",
      "verified images", "verified mean L2 / mean R", "verified median of L2 / R", "hardened images", "hardened mean L2 / mean R", "hardened median of L2 / R"],
    rows.map((r) => [
      defenseLabel(r.defense) + (r.defense.oracle ? ` oracle=${r.defense.oracle}` : ""), attackName(r.attack) + budgetSuffix(r.budget, several.has(r.attack)), r.meanRadius,
      ...ratios(r.measures.shortcut), ...ratios(r.measures.verified), ...ratios(r.measures.hardened),
    ]));
}

function certifiedTable(certifications: readonly CertificationInput[]): string {
  const curves = certifiedAccuracyCurves(certifications);
  const top = Math.max(0, ...curves.flatMap((c) => c.points.map((p) => p.radius)));
  const step = top > 2 ? 0.5 : 0.25;
  const radii = Array.from({ length: Math.min(9, Math.floor(top / step) + 2) }, (_, i) => i * step);
  return table("certified-table", "Certified accuracy at radius r (Cohen et al. CERTIFY)",
    ["model", "sigma", "images", ...radii.map((r) => `r = ${r}`)],
    curves.map((c) => {
      const own = certifications.filter((r) => r.defense === c.defense);
      return [c.defense, c.sigma, c.images, ...radii.map((r) => certifiedAccuracyAt(own, r) as Cell)];
    }));
}

function seedEntries(input: ReportInput): [string, Cell][] {
  const entries: [string, Cell][] = [];
  if (input.manifest) entries.push(["run seed", input.manifest.seed]);
  const config = input.config as { seed?: unknown; data?: { seed?: unknown } } | null;
  if (config && typeof config === "object") {
    if (typeof config.seed === "number") entries.push(["config seed", config.seed]);
    if (config.data && typeof config.data.seed === "number") entries.push(["image sample seed", config.data.seed]);
  }
  entries.push(["per-item streams", "each work item draws from its own stream derived from (run seed, item key), so results do not depend on order, batch size or workers"]);
  return entries;
}

function cardValue(v: unknown): Cell {
  if (v === null || typeof v !== "object") return typeof v === "number" ? v : String(v);
  return { html: `<pre>${escapeHtml(JSON.stringify(v, null, 1))}</pre>` };
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "–";
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = Math.round(seconds % 60);
  return h > 0 ? `${h} h ${m} min ${s} s` : m > 0 ? `${m} min ${s} s` : `${formatNumber(seconds, 3)} s`;
}
