/**
 * Start-up time of the `rsbench` command (issue 27): `rsbench --help` and
 * `rsbench theory radius --p 0.9 --sigma 0.25`, each a fresh node process, three ways side by
 * side in interleaved rounds:
 * - before: the sources of BASELINE (the commit before the package work) under tsx, as
 *   bin/rsbench.js ran them then (every heavy module imported at start-up);
 * - tsx now: today's sources under tsx (what bin/rsbench.js runs in a development checkout);
 * - dist: the compiled CLI (what an installed package runs), RSBENCH_DIST=1 bin/rsbench.js.
 * Wall-clock medians over the rounds; the OS file cache and tsx's own cache are warm after the
 * first round, as for a user running the command twice. The baseline tree is extracted with
 * `git archive` into .cache/bench-cli/ (so that it resolves this checkout's node_modules); without
 * git or that commit its column is left out. dist/ must be built (`npm run build`).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median, quick } from "./measure.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The commit before the package work (issue 27): bin/rsbench.js ran src/ under tsx, importing everything. */
const BASELINE = "4af127c";

/** The baseline's bin/rsbench.js, extracted once; null when git or the commit is not there. */
function baselineBin(): string | null {
  const dir = join(ROOT, ".cache", "bench-cli", BASELINE);
  const bin = join(dir, "bin", "rsbench.js");
  if (existsSync(bin)) return bin;
  try {
    mkdirSync(dir, { recursive: true });
    const tar = execFileSync("git", ["archive", "--format=tar", BASELINE, "bin", "src", "package.json"], { cwd: ROOT, maxBuffer: 256 * 1024 * 1024 });
    execFileSync("tar", ["-x", "-C", dir], { input: tar });
    return existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

/** Wall-clock seconds of one `node bin ...args` to its exit (it must succeed). */
function once(bin: string, args: readonly string[], env: NodeJS.ProcessEnv): number {
  const start = performance.now();
  const result = spawnSync(process.execPath, [bin, ...args], { env, encoding: "utf8" });
  const seconds = (performance.now() - start) / 1000;
  if (result.status !== 0) throw new Error(`node ${bin} ${args.join(" ")} exited with ${result.status}: ${result.stderr}`);
  return seconds;
}

export default async function cliBench(): Promise<void> {
  const bin = join(ROOT, "bin", "rsbench.js");
  if (!existsSync(join(ROOT, "dist", "cli", "main.js"))) throw new Error("dist/cli/main.js is missing: expected a built package; run `npm run build` first");
  const before = baselineBin();
  const ways: Record<string, { bin: string; env: NodeJS.ProcessEnv }> = {};
  if (before) ways[`before (${BASELINE}, tsx)`] = { bin: before, env: { ...process.env, RSBENCH_DIST: "" } };
  else process.stdout.write(`(no baseline column: git archive of ${BASELINE} failed)\n`);
  ways["tsx now"] = { bin, env: { ...process.env, RSBENCH_DIST: "" } };
  ways.dist = { bin, env: { ...process.env, RSBENCH_DIST: "1" } };
  const commands: Record<string, readonly string[]> = {
    "rsbench --help": ["--help"],
    "rsbench theory radius --p 0.9 --sigma 0.25": ["theory", "radius", "--p", "0.9", "--sigma", "0.25"],
  };
  const rounds = quick() ? 4 : 12;
  for (const [label, args] of Object.entries(commands)) {
    // One untimed start of each way first (fills tsx's cache and the OS file cache).
    for (const way of Object.values(ways)) once(way.bin, args, way.env);
    const times: Record<string, number[]> = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
    for (let round = 0; round < rounds; round++) {
      for (const [name, way] of Object.entries(ways)) times[name].push(once(way.bin, args, way.env));
    }
    const med = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
    const cells = Object.keys(ways).map((k) => `${k} ${med[k].toFixed(3)} s (min ${Math.min(...times[k]).toFixed(3)})`);
    const ratios = Object.keys(ways).filter((k) => k !== "dist").map((k) => `${k} / dist ${(med[k] / med.dist).toFixed(1)}x`);
    process.stdout.write(`${label}: median of ${rounds} starts: ${cells.join(", ")}; ${ratios.join(", ")}\n`);
  }
}
