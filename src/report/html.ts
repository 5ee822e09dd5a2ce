/** HTML building blocks of the report: escaping, tables, key-value lists. No scripts, no external resources. */
import { formatNumber } from "../figures/format.js";

export { formatNumber };

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

/** A cell: plain text (escaped) or trusted HTML. */
export type Cell = string | number | null | { readonly html: string };

function cell(c: Cell): string {
  if (c !== null && typeof c === "object") return c.html;
  return escapeHtml(typeof c === "number" ? formatNumber(c) : (c ?? "–"));
}

/** A table with a caption, header row and body rows; `id` names it for the browser test. */
export function table(id: string, caption: string, columns: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const head = columns.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${cell(c)}</td>`).join("")}</tr>`).join("\n");
  return `<table id="${escapeHtml(id)}" class="data"><caption>${escapeHtml(caption)}</caption>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`;
}

/** A two-column key/value table. */
export function keyValueTable(id: string, caption: string, entries: readonly (readonly [string, Cell])[]): string {
  return table(id, caption, ["", ""], entries.map(([k, v]) => [k, v])).replace("<thead><tr><th scope=\"col\"></th><th scope=\"col\"></th></tr></thead>\n", "");
}

/** Prefixes every id="..." and url(#...)/href="#..." reference of an SVG, so that several inline SVGs never share ids. */
export function scopeSvgIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${prefix}-${id})`)
    .replace(/href="#([^"]+)"/g, (_, id: string) => `href="#${prefix}-${id}"`);
}

/** The report's stylesheet (inline; system fonts only). */
export const STYLE = `
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
table.data { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
table.data caption { text-align: left; font-weight: bold; padding: 0.3em 0; caption-side: top; }
table.data th, table.data td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
table.data thead th { background: #f3f3f3; }
figure.figure { margin: 1.5em 0; overflow-x: auto; } figure.figure svg { display: block; max-width: none; }
figcaption { font-size: 0.9em; color: #444; max-width: 60em; margin-top: 0.4em; }
.verdict { font-weight: bold; padding: 0.1em 0.5em; border-radius: 0.3em; white-space: nowrap; }
.verdict-holds { background: #d4edda; color: #155724; } .verdict-does-not-hold { background: #f8d7da; color: #721c24; }
.verdict-not-enough-data { background: #eee; color: #555; } .verdict-inconclusive { background: #fff3cd; color: #856404; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
.muted { color: #666; font-size: 0.9em; } ul.numbers { margin: 0; padding-left: 1.2em; }
`;
