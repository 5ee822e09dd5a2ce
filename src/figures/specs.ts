import type { TopLevelSpec } from "vega-lite";
import { STRONGEST } from "./strongest.js";
import type { TradeoffPoint } from "./adaptiveTradeoff.js";
import type { AdversarialProfile } from "./adversarialProfile.js";
import type { CertifiedAccuracyCurve } from "./certifiedAccuracy.js";
import type { DichotomySpread } from "./dichotomySpread.js";
import { defenseLabel, type DistortionPoint } from "./distortionAccuracy.js";
import { attackName, attackRank, formatNumber, inReadingOrder, shortenNumbers } from "./format.js";
import type { Slice } from "./slice.js";

/*
 * The five figures as Vega-Lite specs: data in, a declarative spec out (no drawing here; see
 * render.ts). Values are rounded to 6 significant digits to keep the specs and the report small;
 * text shows 4 (format.ts). Legends sit outside the plotting area, so they never cover data.
 */

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
/** DejaVu Sans, the font the PNGs are drawn with (bundled, see render.ts); a browser showing the SVG may fall back to the others. */
export const FIGURE_FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif";
/** aria: false drops Vega's per-mark ARIA labels, which would make Fig. 2 (thousands of cells) megabytes of SVG. */
const CONFIG = { font: FIGURE_FONT, aria: false, view: { stroke: "#ddd" }, axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 11 } };
/**
 * The unit of every distance on an axis: the L2 norm in the classifier's input space, whose pixel
 * values lie in [0, 1] for the shipped models and datasets (the ONNX default bounds).
 */
export const DISTANCE_UNIT = "L2, pixels in [0, 1]";

/** Fig. 1: P(adversarial) along x_a - x_o past the base boundary, per n, with both boundaries marked. */
export function adversarialProfileSpec(data: AdversarialProfile): TopLevelSpec {
  const rows = data.points.flatMap((p) => [
    { t: round(p.t), series: "p(t), one draw", probability: round(p.p) },
    ...data.ns.map((n, i) => ({ t: round(p.t), series: `n = ${n}`, probability: round(p.adversarial[i]) })),
  ]);
  const seriesOrder = ["p(t), one draw", ...data.ns.map((n) => `n = ${n}`)];
  const marks = [{ t: 0, mark: "base boundary" }];
  if (data.rsBoundary !== null) marks.push({ t: round(data.rsBoundary), mark: "RS boundary (p = 1/2)" });
  return {
    $schema: SCHEMA,
    title: { text: `P(adversarial) past the base boundary (σ = ${formatNumber(data.sigma)}, Pa = ${formatNumber(data.pa)})`, fontSize: 13 },
    width: 420,
    height: 260,
    config: CONFIG,
    layer: [
      {
        data: { values: rows },
        mark: { type: "line", strokeWidth: 2 },
        encoding: {
          x: { field: "t", type: "quantitative", title: `t: distance past the base boundary point x_a (${DISTANCE_UNIT})` },
          y: { field: "probability", type: "quantitative", title: ["probability of being", "adversarial (0 to 1)"], scale: { domain: [0, 1] } },
          color: { field: "series", type: "nominal", sort: seriesOrder, title: null, legend: { labelLimit: 300 } },
          strokeDash: {
            field: "series",
            type: "nominal",
            sort: seriesOrder,
            scale: { domain: seriesOrder, range: seriesOrder.map((_, i) => (i === 0 ? [4, 3] : [1, 0])) },
            legend: null,
          },
        },
      },
      {
        data: { values: marks },
        mark: { type: "rule", strokeDash: [6, 4] },
        encoding: {
          x: { field: "t", type: "quantitative" },
          stroke: {
            field: "mark",
            type: "nominal",
            title: null,
            scale: { domain: ["base boundary", "RS boundary (p = 1/2)"], range: ["#555", "#d62728"] },
            legend: { labelLimit: 300 },
          },
        },
      },
    ],
    resolve: { scale: { color: "independent" } },
  };
}

/** Fig. 2: one panel per classifier, grid points coloured by predicted label, the image at the centre. */
export function sliceSpec(data: Slice, classNames?: readonly string[]): TopLevelSpec {
  const r = data.resolution;
  const h = data.coordinates.length > 1 ? (data.coordinates[1] - data.coordinates[0]) / 2 : 0.5;
  // One rectangle per run of equal labels along a grid row: same picture, far fewer marks.
  const values: { panel: number; a: number; a2: number; b: number; b2: number; label: string }[] = [];
  data.panels.forEach((panel, p) => {
    for (let j = 0; j < r; j++) {
      const b = data.coordinates[j];
      for (let i = 0; i < r; ) {
        const label = panel.labels[j * r + i];
        let end = i;
        while (end + 1 < r && panel.labels[j * r + end + 1] === label) end++;
        values.push({
          panel: p,
          a: round(data.coordinates[i] - h),
          a2: round(data.coordinates[end] + h),
          b: round(b - h),
          b2: round(b + h),
          label: className(label, classNames),
        });
        i = end + 1;
      }
    }
  });
  // Names stored by earlier runs carry sigma in full ("RS σ=0.06640625 n=10").
  const panelNames = data.panels.map((panel) => shortenNumbers(panel.name));
  const labels = [...new Set(values.map((v) => v.label))].sort();
  return {
    $schema: SCHEMA,
    title: { text: `Input-space slice through an image of class ${className(data.label, classNames)}`, fontSize: 13 },
    config: CONFIG,
    data: { values },
    transform: [{ calculate: `${JSON.stringify(panelNames)}[datum.panel]`, as: "classifier" }],
    facet: { column: { field: "classifier", type: "nominal", sort: panelNames, title: null, header: { labelFontSize: 12 } } },
    spec: {
      width: 200,
      height: 200,
      layer: [
        {
          mark: { type: "rect", strokeWidth: 0.6 },
          encoding: {
            x: { field: "a", type: "quantitative", title: ["direction u", `(${DISTANCE_UNIT})`], scale: { domain: [-data.extent - h, data.extent + h], nice: false } },
            x2: { field: "a2" },
            y: { field: "b", type: "quantitative", title: ["direction v", `(${DISTANCE_UNIT})`], scale: { domain: [-data.extent - h, data.extent + h], nice: false } },
            y2: { field: "b2" },
            color: { field: "label", type: "nominal", title: "predicted label", scale: { domain: labels, scheme: "tableau10" } },
            // cells outlined in their own colour: no hairline seams between neighbours (the same
            // field, scale and title, so Vega-Lite merges this legend into the colour one; `legend:
            // null` here would drop both)
            stroke: { field: "label", type: "nominal", title: "predicted label", scale: { domain: labels, scheme: "tableau10" } },
          },
        },
        {
          mark: { type: "point", shape: "cross", filled: true, color: "black", size: 80 },
          encoding: { x: { datum: 0, type: "quantitative" }, y: { datum: 0, type: "quantitative" } },
        },
      ],
    },
  };
}

/** Fig. 3: histogram of the dichotomy outputs per n, with the boundary of g(sigma) and of f. */
export function dichotomySpreadSpec(data: DichotomySpread): TopLevelSpec {
  const values = data.series.flatMap((s) =>
    s.distances.map((d) => ({ n: `n = ${s.n}`, distance: round(d), reference: round(data.referenceDistance) })),
  );
  const order = data.series.map((s) => `n = ${s.n}`);
  // One x range for the histograms and both boundaries, so that every rule lies on the axis.
  const all = [...data.series.flatMap((s) => s.distances), data.referenceDistance, ...(data.baseDistance === null ? [] : [data.baseDistance])];
  const [lo, hi] = [Math.min(...all), Math.max(...all)];
  const pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.01 || 1e-3;
  const extent: [number, number] = [round(lo - pad), round(hi + pad)];
  const rules: Record<string, unknown>[] = [
    {
      mark: { type: "rule", color: "#d62728", strokeWidth: 2 },
      encoding: { x: { aggregate: "min", field: "reference", type: "quantitative" } },
    },
  ];
  if (data.baseDistance !== null) {
    rules.push({
      mark: { type: "rule", color: "#555", strokeDash: [6, 4], strokeWidth: 1.5 },
      encoding: { x: { datum: round(data.baseDistance), type: "quantitative" } },
    });
  }
  return {
    $schema: SCHEMA,
    title: {
      text: `Dichotomy output under RS (Pa = ${formatNumber(data.pa)})`,
      subtitle: ["bars: how many binary searches end in each bin", `red: boundary of g(σ)${data.baseDistance !== null ? "; dashed: base boundary" : ""}`],
      fontSize: 13,
    },
    config: CONFIG,
    data: { values },
    facet: { row: { field: "n", type: "nominal", sort: order, title: null, header: { labelFontSize: 12, labelAngle: 0, labelAlign: "left" } } },
    spec: {
      width: 420,
      height: 90,
      layer: [
        {
          mark: { type: "bar", color: "#4c78a8" },
          encoding: {
            x: {
              field: "distance",
              type: "quantitative",
              bin: { maxbins: 60, extent },
              title: `||x_out − x_o||: where the binary search ends (${DISTANCE_UNIT})`,
              scale: { domain: extent, nice: false },
              axis: { tickCount: 8, labelFlush: true },
            },
            y: { aggregate: "count", type: "quantitative", title: "count" },
          },
        },
        ...(rules as never[]),
      ],
    },
  };
}

/** Fig. 4: certified accuracy against radius, one step curve per smoothed model. */
export function certifiedAccuracySpec(curves: readonly CertifiedAccuracyCurve[]): TopLevelSpec {
  const values = curves.flatMap((c) =>
    c.points.map((p) => ({ model: `${c.defense} (σ = ${formatNumber(c.sigma)}, ${c.images} images)`, radius: round(p.radius), accuracy: round(p.accuracy) })),
  );
  return {
    $schema: SCHEMA,
    title: { text: "Certified accuracy (Cohen et al. CERTIFY)", fontSize: 13 },
    width: 420,
    height: 260,
    config: CONFIG,
    data: { values },
    mark: { type: "line", interpolate: "step-after", strokeWidth: 2 },
    encoding: {
      x: { field: "radius", type: "quantitative", title: `certified radius r (${DISTANCE_UNIT})` },
      y: { field: "accuracy", type: "quantitative", title: "certified accuracy (% of images)", scale: { domain: [0, 1] }, axis: { format: ".0%" } },
      // below the plot: a legend inside the frame would cover the curves' start
      color: { field: "model", type: "nominal", title: null, legend: { orient: "bottom", direction: "vertical", labelLimit: 420 } },
    },
  };
}

/** Fig. 5: mean L2 distortion against accuracy, one panel per attack, one point per defense point. */
export function distortionAccuracySpec(points: readonly DistortionPoint[]): TopLevelSpec {
  // rows in reading order, so that the spec and the SVG do not depend on the order items finished
  const ordered = inReadingOrder(points).filter((p) => p.accuracy !== null);
  const row = (p: DistortionPoint, measure: string, meanL2: number) => ({
    attack: attackName(p.attack),
    measure,
    defense: p.defense.name,
    label: defenseLabel(p.defense),
    n: p.defense.n === null ? "no RS" : `n = ${p.defense.n}`,
    pa: p.defense.pa === null ? "no RS" : `Pa = ${p.defense.pa}`,
    accuracy: round(p.accuracy as number),
    meanL2: round(meanL2),
  });
  const SHORTCUT = "shortcut (final points)", HARDENED = "hardened (verified at Pa)";
  // The strongest attack is a worst case of hardened points: it has no shortcut point (src/figures/strongest.ts).
  const shortcut = ordered.filter((p) => p.meanL2 !== null && p.attack !== STRONGEST).map((p) => row(p, SHORTCUT, p.meanL2 as number));
  // The hardened row (issue 25): every point with a hardened mean (deterministic defenses: their final points), the strongest attack included.
  const hardened = ordered.some((p) => p.defense.sigma !== null && p.measures.hardened?.meanL2 != null)
    ? ordered.filter((p) => p.measures.hardened?.meanL2 != null).map((p) => row(p, HARDENED, p.measures.hardened!.meanL2 as number))
    : [];
  const values: Record<string, unknown>[] = [...shortcut, ...hardened];
  // A row x column facet drops a missing (row, column) cell and shifts the rest of the row left
  // (the strongest attack has no shortcut point): an empty datum (no x, no y: not drawn) keeps every cell.
  if (hardened.length) {
    for (const attack of new Set(values.map((v) => v.attack))) {
      for (const measure of [SHORTCUT, HARDENED]) {
        const like = values.find((v) => v.attack === attack);
        if (like && !values.some((v) => v.attack === attack && v.measure === measure)) {
          // The strongest attack's empty shortcut panel says why it is empty.
          values.push({ ...like, measure, accuracy: null, meanL2: null, ...(attack === attackName(STRONGEST) && measure === SHORTCUT ? { note: STRONGEST_NOTE } : {}) });
        }
      }
    }
  }
  const noted = values.some((v) => v.note !== undefined);
  // the paper's order (HSJA, SurFree, RayS), then any other attack in order of appearance
  const attacks = [...new Set(points.filter((p) => values.some((v) => v.attack === attackName(p.attack))).map((p) => p.attack))].sort((a, b) => attackRank(a) - attackRank(b)).map(attackName);
  const pas = [...new Set(points.map((p) => p.defense.pa).filter((pa): pa is number => pa !== null))].sort((a, b) => a - b);
  const paDomain = [...pas.map((pa) => `Pa = ${pa}`), "no RS"];
  // n = 10, 50, 100 in numeric order (not as strings), then the undefended points
  const ns = [...new Set(points.map((p) => p.defense.n).filter((n): n is number => n !== null))].sort((a, b) => a - b);
  const drawOrder = [...ns.map((n) => `n = ${n}`), "no RS"];
  const subtitle = [
    ...(pas.length > 1 ? [`filled: Pa = ${pas[0]} (and no RS); hollow: Pa = ${pas.slice(1).join(", ")}`] : []),
    ...(hardened.length ? ["top: the attacks' final points (the paper's measure); bottom: hardened points, verified adversarial at level Pa (strongest: per image, the smallest of any attack)"] : []),
  ];
  const pointLayer = {
      mark: { type: "point", size: 70, strokeWidth: 2 },
      encoding: {
        x: { field: "accuracy", type: "quantitative", title: "accuracy (% of test images)", scale: { zero: false, padding: 10 }, axis: { format: ".1~%" } },
        y: { field: "meanL2", type: "quantitative", title: ["mean distortion", `(${DISTANCE_UNIT})`], scale: { zero: true } },
        stroke: { field: "defense", type: "nominal", title: "defense" },
        fill: { field: "defense", type: "nominal", title: "defense" },
        shape: { field: "n", type: "nominal", title: "draws", sort: drawOrder },
        // filled for the lowest Pa (and no RS), hollow for higher levels
        fillOpacity: {
          field: "pa",
          type: "ordinal",
          sort: paDomain,
          title: "level",
          scale: { type: "ordinal", domain: paDomain, range: paDomain.map((p, i) => (p === "no RS" || i === 0 ? 0.85 : 0.1)) },
        },
        tooltip: [{ field: "label" }, { field: "measure" }, { field: "accuracy" }, { field: "meanL2" }],
      },
  };
  // A text layer in the middle of the panel (220 x 220) for the noted empty cell only; without it the spec is one mark, as before.
  const note = {
    transform: [{ filter: "isValid(datum.note)" }],
    mark: { type: "text", fontSize: 12, color: "#666", lineBreak: "\n", align: "center", baseline: "middle" },
    encoding: { text: { field: "note" }, x: { value: 110 }, y: { value: 110 } },
  };
  return attackPanels("Mean L2 distortion vs accuracy", subtitle.length === 1 ? subtitle[0] : subtitle, values, attacks,
    noted ? { layer: [pointLayer, note] } : pointLayer,
    { scale: { y: "independent" } }, hardened.length ? { field: "measure", sort: [SHORTCUT, HARDENED] } : undefined);
}

/** Fig. 5's text in the strongest attack's shortcut panel: the worst case is taken over hardened points only. */
export const STRONGEST_NOTE = "no final points:\nthe strongest attack is\na worst case of\nhardened points (below)";

/** One panel per attack (a column facet, in `attacks` order, each with its own y scale and the resolution given), 220 x 220 each. */
function attackPanels(text: string, subtitle: string | string[], values: readonly object[], attacks: readonly string[], inner: Record<string, unknown>, resolve: Record<string, unknown>, row?: { field: string; sort: string[] }): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title: { text, subtitle, fontSize: 13 },
    config: CONFIG,
    data: { values: values as never[] },
    facet: {
      column: { field: "attack", type: "nominal", sort: [...attacks], title: null, header: { labelFontSize: 12 } },
      ...(row ? { row: { field: row.field, type: "nominal", sort: row.sort, title: null, header: { labelFontSize: 12, labelAngle: -90, labelLimit: 260 } } } : {}),
    },
    spec: { width: 220, height: 220, ...inner } as never,
    resolve,
  };
}

/**
 * Fig. 6 (issue 12): mean hardened distortion against the mean total calls of g (attack queries
 * plus hardening calls, log scale), one panel per attack (each in its own norm), one line per
 * (n, K) through the budgets: colour K, dash n.
 */
export function adaptiveTradeoffSpec(points: readonly TradeoffPoint[]): TopLevelSpec {
  const drawn = points.filter((p) => p.meanDistortion !== null && p.meanCalls !== null);
  const ordered = [...drawn].sort((a, b) => attackRank(a.attack) - attackRank(b.attack) || a.n - b.n || a.k - b.k || a.budget - b.budget);
  const values = ordered.map((p) => ({
    attack: `${attackName(p.attack)} (${p.norm === "l2" ? "L2" : "Linf"})`,
    n: `n = ${p.n}`,
    K: p.k,
    series: `n = ${p.n}, K = ${p.k}`,
    budget: p.budget,
    calls: round(p.meanCalls as number),
    distortion: round(p.meanDistortion as number),
    hardened: `${p.hardened}/${p.attacked}`,
  }));
  const attacks = [...new Set(ordered.map((p) => `${attackName(p.attack)} (${p.norm === "l2" ? "L2" : "Linf"})`))];
  const ns = [...new Set(ordered.map((p) => p.n))].sort((a, b) => a - b).map((n) => `n = ${n}`);
  const ks = [...new Set(ordered.map((p) => p.k))].sort((a, b) => a - b);
  const sigmas = [...new Set(ordered.map((p) => p.sigma))];
  const draws = ns.length > 1 ? `draws (dashed: ${ns.slice(1).join(", ")})` : "draws";
  const drawsLegend = { titleLimit: 300 };
  const subtitle = [
    `RS σ = ${sigmas.map((x) => formatNumber(x)).join(", ")}; K calls per attack step (K = 1: label-only)`,
    "calls = attack queries + hardening calls, mean per attacked image; pixels in [0, 1]",
  ];
  return attackPanels("Adaptive attacker: hardened distortion vs total calls of g", subtitle, values, attacks, {
      mark: { type: "line", strokeWidth: 2, point: { filled: true, size: 50 } },
      encoding: {
        x: { field: "calls", type: "quantitative", title: "total calls of g (log scale)", scale: { type: "log", nice: false }, axis: { tickCount: 5 } },
        y: { field: "distortion", type: "quantitative", title: ["mean hardened distortion", "(attack's norm)"], scale: { zero: true } },
        color: { field: "K", type: "ordinal", title: "K (calls per step)", sort: ks, scale: { scheme: "viridis" } },
        strokeDash: {
          field: "n", type: "nominal", title: draws, sort: ns,
          scale: { domain: ns, range: ns.map((_, i) => (i === 0 ? [1, 0] : [5, 3])) }, legend: drawsLegend,
        },
        shape: { field: "n", type: "nominal", title: draws, sort: ns, scale: { domain: ns, range: ns.map((_, i) => (i === 0 ? "circle" : "square")) }, legend: drawsLegend },
        detail: { field: "series", type: "nominal" },
        tooltip: [{ field: "series" }, { field: "budget" }, { field: "calls" }, { field: "distortion" }, { field: "hardened" }],
      },
    // The shared x scale's axes sit in each column's footer, right under its plot; resolving the x
    // axis as independent left a blank band under the panel titles (issue 25 item 6).
  }, { scale: { y: "independent" } });
}

/** "3 dress" for a named class; "5", not "5 5", when the name is the digit itself (MNIST). */
export function className(label: number, names?: readonly string[]): string {
  const name = names?.[label];
  return name && name !== String(label) ? `${label} ${name}` : String(label);
}

/** x to 6 significant digits (exact zero stays 0). */
export function round(x: number): number {
  return x === 0 || !Number.isFinite(x) ? x : Number(x.toPrecision(6));
}
