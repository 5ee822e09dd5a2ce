import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { writeFileAtomicAsync } from "../io/atomic.js";
import { join } from "node:path";
import type { Resvg as ResvgClass } from "@resvg/resvg-js";
import type { TopLevelSpec } from "vega-lite";
import { lazy } from "../io/lazy.js";

/** Vega and Vega-Lite, imported on first use (src/io/lazy.ts). */
const loadVega = lazy(async () => {
  const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")]);
  return { vega, compile: vegaLite.compile };
});

/** Options of `renderSvg`. */
export interface SvgOptions {
  /**
   * Receives Vega-Lite's and Vega's warnings and errors (library code prints nothing). Defaults
   * to ignoring warnings; errors reject the render either way.
   */
  readonly onWarning?: (message: string) => void;
}

/**
 * Renders a Vega-Lite spec to a standalone SVG: compiled to Vega, run headless by a Vega View
 * (renderer "none": no canvas, text widths estimated by Vega), serialised with `toSVG`, with the
 * numbers in attributes rounded (see roundSvgAttributes).
 */
export async function renderSvg(spec: TopLevelSpec, options: SvgOptions = {}): Promise<string> {
  const onWarning = options.onWarning ?? (() => {});
  const { vega, compile } = await loadVega();
  const logger = vega.logger(vega.Warn, undefined, (_method, level, args) => onWarning(`${level} ${args.map(String).join(" ")}`));
  const view = new vega.View(vega.parse(compile(spec, { logger }).spec), { renderer: "none", logger });
  try {
    return roundSvgAttributes(await view.toSVG());
  } finally {
    view.finalize();
  }
}

/** Options of `renderPng`. */
export interface PngOptions {
  /** Pixels per SVG unit. Defaults to 2. */
  readonly scale?: number;
  /** Font files (TrueType/OpenType) to load besides the bundled DejaVu Sans (FIGURE_FONT_FILES). */
  readonly fontFiles?: readonly string[];
}

const require = createRequire(import.meta.url);

/**
 * The fonts every PNG is drawn with: DejaVu Sans, regular and bold, from the npm package
 * dejavu-fonts-ttf (resvg reads TrueType, not the woff files of @fontsource). System fonts are
 * never loaded, so a figure comes out the same on any machine, with or without fonts installed.
 */
export const FIGURE_FONT_FILES: readonly string[] = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map((file) => {
  const path = require.resolve(`dejavu-fonts-ttf/ttf/${file}`);
  if (!existsSync(path)) throw new Error(`font ${file}: expected it in the npm package dejavu-fonts-ttf (run npm ci), found no file at ${path}`);
  return path;
});

/** Rasterises an SVG with resvg, text in the bundled DejaVu Sans (FIGURE_FONT_FILES), on white. */
export function renderPng(svg: string, options: PngOptions = {}): Buffer {
  const scale = options.scale ?? 2;
  if (!(scale > 0)) throw new RangeError(`invalid scale: expected a positive number, got ${scale}`);
  // resvg is required here, on first use (renderPng stays synchronous; src/io/lazy.ts).
  const { Resvg } = require("@resvg/resvg-js") as { Resvg: typeof ResvgClass };
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    background: "white",
    font: {
      loadSystemFonts: false,
      fontFiles: [...FIGURE_FONT_FILES, ...(options.fontFiles ?? [])],
      defaultFontFamily: "DejaVu Sans",
      sansSerifFamily: "DejaVu Sans",
    },
  });
  return resvg.render().asPng();
}

/** The files written for one figure. */
export interface FigureFiles {
  readonly spec: string;
  readonly svg: string;
  readonly png: string;
}

/**
 * Writes `<name>.vl.json` (the spec), `<name>.svg` and `<name>.png` into `dir`, each atomically
 * (temporary file, then rename), and returns their paths.
 */
export async function writeFigureFiles(dir: string, name: string, spec: TopLevelSpec, rendered?: string): Promise<FigureFiles & { svgText: string }> {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new RangeError(`invalid figure name: expected letters, digits, ".", "_" or "-", got ${JSON.stringify(name)}`);
  await mkdir(dir, { recursive: true });
  // `rendered`: renderSvg(spec) already computed by the caller (the report renders each figure once).
  const svgText = rendered ?? await renderSvg(spec);
  const files = { spec: join(dir, `${name}.vl.json`), svg: join(dir, `${name}.svg`), png: join(dir, `${name}.png`) };
  await writeFileAtomicAsync(files.spec, JSON.stringify(spec, null, 1) + "\n");
  await writeFileAtomicAsync(files.svg, svgText);
  await writeFileAtomicAsync(files.png, renderPng(svgText));
  return { ...files, svgText };
}

/**
 * Rounds the numbers inside SVG attribute values (path data, transforms, coordinates) to 2
 * decimals: a hundredth of a pixel is invisible, and the SVG gets smaller and stable across
 * floating-point noise (observablehq/plot's snapshot rounding). Text content is left alone.
 */
export function roundSvgAttributes(svg: string): string {
  return svg.replace(/(\s[\w:-]+=")([^"]*)"/g, (_, name: string, value: string) =>
    `${name}${value.replace(/-?\d*\.\d{3,}(?:e-?\d+)?/g, (x) => String(Number(Number(x).toFixed(2))))}"`,
  );
}
