/**
 * Runs the benchmarks: every `bench/*.bench.ts` in name order, or only those whose name
 * contains one of the command-line filters (`npm run bench -- rng smoothing`). Each file
 * exports `default async function (): Promise<void>` that prints its own result lines;
 * ratios are always measured side by side within one file, so they hold on any machine.
 * `--quick` (or RSBENCH_BENCH_QUICK=1) runs every benchmark with fewer rounds and queries.
 */
import { readdirSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";

const dir = fileURLToPath(new URL(".", import.meta.url));
const SUFFIX = ".bench.ts";

export async function runBenchmarks(filters: readonly string[]): Promise<number> {
  const all = readdirSync(dir).filter((f) => f.endsWith(SUFFIX)).sort();
  const names = all.map((f) => f.slice(0, -SUFFIX.length));
  const chosen = filters.length === 0 ? names : names.filter((name) => filters.some((f) => name.includes(f)));
  if (chosen.length === 0) {
    process.stderr.write(`bench: no benchmark matches ${filters.map((f) => JSON.stringify(f)).join(", ")}; available: ${names.join(", ")}\n`);
    return 2;
  }
  const cpu = cpus();
  process.stdout.write(`# node ${process.version}, ${cpu.length} x ${cpu[0]?.model ?? "unknown CPU"}\n`);
  for (const name of chosen) {
    const module = (await import(pathToFileURL(`${dir}/${name}${SUFFIX}`).href)) as { default?: unknown };
    if (typeof module.default !== "function") {
      process.stderr.write(`bench: ${name}${SUFFIX} must export a default async function, got ${typeof module.default}\n`);
      return 1;
    }
    process.stdout.write(`## ${name}\n`);
    await (module.default as () => Promise<void>)();
  }
  return 0;
}

const args = process.argv.slice(2).filter((a) => a !== "--");
// --quick: shorter rounds and budgets in every benchmark (see quick() in measure.ts).
if (args.includes("--quick")) process.env.RSBENCH_BENCH_QUICK = "1";
process.exitCode = await runBenchmarks(args.filter((a) => a !== "--quick"));
