/**
 * Prints the GPU run's results side by side (scripts/gpu/run.sh): torch.json and node.json, as
 * written by torch_resnet50.py and measure.ts. Missing files and failed phases are named.
 * Usage: node summary.js TORCH_JSON NODE_JSON
 */
import { existsSync, readFileSync } from "node:fs";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function read(path: string | undefined): Json | null {
  if (!path || !existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Json;
  } catch {
    return null;
  }
}

const fmt = (v: unknown, digits = 0) => (typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : "-");

/** The summary lines of one run. */
export function summary(torch: Json | null, node: Json | null): string[] {
  const lines: string[] = [];
  lines.push(torch ? `PyTorch ${torch.torch}, CUDA ${torch.cuda ? `yes (${torch.gpu ?? "?"})` : "no"}, export: ${torch.exporter ?? "-"}, export check: ${JSON.stringify(torch.exportCheck ?? null)}` : "PyTorch: no results (torch.json missing)");
  if (!node) return [...lines, "rsbench: no results (node.json missing)"];
  const env = node.environment ?? {};
  lines.push(`rsbench: Node ${env.node ?? "?"}, onnxruntime-node ${env.onnxruntime?.node ?? "?"}, device ${node.options?.device}, Vulkan loader ${env.vulkan?.loader ?? "none"}, drivers ${JSON.stringify(env.vulkan?.drivers ?? [])}`);
  for (const phase of ["load", "throughput", "hsja", "agreement", "agreementFashionMnist"]) {
    const p = node[phase];
    if (p?.error) lines.push(`${phase}: FAILED ${p.error}`);
    else if (p?.skipped) lines.push(`${phase}: skipped (${p.skipped})`);
  }
  const anchor: Json[] = Array.isArray(torch?.anchor) ? torch!.anchor : [];
  const rows: Json[] = node.throughput?.rows ?? [];
  if (rows.length) {
    lines.push(`images/s by batch (g: sigma ${node.throughput.sigma}, per-draw noise on ${node.throughput.noiseThreads} threads; torch: fp32 on-GPU input / fp32 copied from host / default TF32)`);
    lines.push("batch | raw onnxruntime | g(sigma, n) | g / raw | g inline / raw | torch fp32 | torch fp32 from host | torch TF32 | raw / torch fp32 from host");
    for (const r of rows) {
      const t = anchor.find((a) => a.batch === r.batch) ?? {};
      lines.push(`${r.batch} | ${fmt(r.rawImagesPerSecond)} | ${fmt(r.smoothedPerDrawThreadedPerSecond)} | ${fmt(r.ratioThreaded, 3)} | ${fmt(r.ratioInline, 3)} | ${fmt(t.fp32)} | ${fmt(t.fp32FromHost)} | ${fmt(t.defaultTf32)} | ${fmt(r.rawImagesPerSecond / t.fp32FromHost, 3)}`);
    }
  }
  const h = node.hsja;
  if (h && !h.error && !h.skipped) lines.push(`HSJA (L2, ${h.queries} queries, RS n = ${h.n}): ${fmt(h.attackSeconds, 1)} s, ${h.forwardPasses} forward passes, success ${h.success}, L2 ${fmt(h.l2, 3)}, start: ${h.start}`);
  for (const [name, a] of [["ResNet-50, seeded images", node.agreement], ["fashion-mnist-standard, test images", node.agreementFashionMnist]] as const) {
    if (a && !a.error && !a.skipped) lines.push(`agreement with the CPU provider, ${name}: ${a.agree}/${a.images} labels, max |logit diff| ${a.maxAbsDiff?.toExponential?.(2)} (relative ${a.maxRelDiff?.toExponential?.(2)})${a.accuracyDevice !== undefined ? `, accuracy ${a.accuracyDevice} vs ${a.accuracyCpu}` : ""}`);
  }
  return lines;
}

const isEntry = process.argv[1] !== undefined && /summary\.(ts|js)$/.test(process.argv[1]);
if (isEntry) process.stdout.write(summary(read(process.argv[2]), read(process.argv[3])).join("\n") + "\n");
