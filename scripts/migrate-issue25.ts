/**
 * Corrects the stored attack records of a run for issue 25, items 4 and 5, re-running only the
 * affected items with the current pipeline (src/attacks/pipeline.ts) and its own config.json:
 *
 * - item 4: an original that the sequential test verifies adversarial at level Pa is recorded as
 *   misclassified at level Pa and never attacked. Found cheaply: the test runs once per (random
 *   defense point, image) that some record attacked, on the stream the pipeline uses (keyed by
 *   defense point and image), and only the attack items of verified originals are re-run (the
 *   pipeline then stops before attacking);
 * - item 5: a final point equal to the original (x_a = x_o: distortion 0) whose hardening failed,
 *   here or at a held budget (hardenedAt): the item is re-run, and hardening now searches toward
 *   the nearest image of another class. (Records written before 2537c63 give such a failure the
 *   reason "no point outward along x_a - x_o", later ones "x_a = x_o": the distortion tells both.)
 *
 * Each re-run record replaces its stored line in results.jsonl (same key, same place), written
 * atomically (temporary file, fsync, rename) once every affected item is done, under the run's lock;
 * the other lines keep their bytes. `--dry-run` lists the affected items without re-running them
 * (the detection of item 4 costs one sequential test per (defense point, image): about 17 min for
 * the MNIST paper grid on a loaded 2-core machine); `--keys FILE` re-runs the keys listed there
 * (the "item 4:" / "item 5:" lines a dry run printed) without detecting again.
 *
 *   node --import tsx scripts/migrate-issue25.ts RUN_DIR [--dry-run] [--skip-item5] [--keys FILE]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { originalAtLevel } from "../src/attacks/pipeline.js";
import { imageAt } from "../src/data/types.js";
import {
  acquireLock, calibrationItems, ExecutionContext, executeItem, importEnvironment, loadConfig, serializeRecord,
  SHIPPED_ENVIRONMENT, workItems, type AttackItem, type AttackRecord, type ImageRef, type ResultRecord, type WorkItem,
} from "../src/experiments/index.js";
import { writeFileAtomic } from "../src/io/atomic.js";

/** Whether the record's hardening (final or at a held budget) failed from a final point at distortion 0 (x_a = x_o). */
function lacksDirection(r: AttackRecord): boolean {
  if (r.status !== "attacked") return false;
  const failed = (h: AttackRecord["hardened"], l2: number | null) => h != null && h.status === "failed" && l2 === 0;
  return failed(r.hardened, r.l2) || (r.hardenedAt ?? []).some((h) => failed(h.hardened, h.l2));
}

async function main(argv: readonly string[]): Promise<void> {
  const dir = argv.find((a) => !a.startsWith("--"));
  const dryRun = argv.includes("--dry-run"), skip5 = argv.includes("--skip-item5");
  if (!dir) throw new Error(`usage: node --import tsx scripts/migrate-issue25.ts RUN_DIR [--dry-run] [--skip-item5] (got ${JSON.stringify(argv)})`);
  const environment = await importEnvironment(SHIPPED_ENVIRONMENT);
  const config = loadConfig(join(dir, "config.json"), environment.attacks);
  const lines = readFileSync(join(dir, "results.jsonl"), "utf8").split("\n").filter((l) => l !== "");
  const records = lines.map((l) => JSON.parse(l) as ResultRecord);
  const data = await environment.loadData(config.data);
  const images: ImageRef[] = Array.from({ length: data.count }, (_, position) => ({ position, index: data.indices[position], label: data.labels[position] }));
  const sigmas = new Map<string, number>();
  for (const r of records) if (r.kind === "calibration") sigmas.set(r.key, r.sigma);
  const items = new Map<string, WorkItem>();
  for (const item of [...calibrationItems(config), ...workItems(config, sigmas, images)]) items.set(item.key, item);
  const context = new ExecutionContext(environment, config, 1);
  const attacks = records.filter((r): r is AttackRecord => r.kind === "attack");
  const keysFile = argv.includes("--keys") ? argv[argv.indexOf("--keys") + 1] : undefined;
  if (keysFile !== undefined) {
    const listed = readFileSync(keysFile, "utf8").split("\n").flatMap((l) => {
      const m = /^item ([45]): (.+)$/.exec(l.trim());
      return m ? [{ item: m[1], key: m[2] }] : [];
    });
    for (const { key } of listed) if (!items.has(key)) throw new Error(`--keys ${keysFile}: expected keys of ${dir}/config.json, got ${JSON.stringify(key)}`);
    await rewrite(dir, lines, context, items, listed.filter((l) => l.item === "4").map((l) => l.key), skip5 ? [] : listed.filter((l) => l.item === "5").map((l) => l.key));
    return;
  }

  // Item 4: one sequential test per (random defense point, image) attacked by an attack that checks sequentially.
  const adversarial = new Set<string>();
  const tested = new Set<string>();
  let tests = 0;
  for (const r of attacks) {
    const item = items.get(r.key) as AttackItem | undefined;
    if (!item) throw new Error(`no item ${JSON.stringify(r.key)} in ${dir}/config.json (expected every stored key to be one of its items)`);
    const group = JSON.stringify([r.defense.id, r.image]);
    if (r.status !== "attacked" || tested.has(group)) continue;
    const job = { seed: config.seed, defense: item.defense, attack: item.attack, image: { index: r.image, label: r.label, pixels: imageAt(data, item.image.position) }, batchSize: config.batchSize };
    const check = await originalAtLevel(job, await context.model(item.defense.model));
    if (check === null) continue;
    tested.add(group);
    tests++;
    if (check.status === "verified") {
      adversarial.add(group);
      process.stdout.write(`adversarial at level Pa: ${r.defense.id} image ${r.image} (rate ${check.rate.toFixed(2)}, lower bound ${check.lower.toFixed(3)}, ${check.calls} calls)\n`);
    }
  }
  const item4 = attacks.filter((r) => r.status === "attacked" && adversarial.has(JSON.stringify([r.defense.id, r.image]))).map((r) => r.key);
  const item5 = skip5 ? [] : attacks.filter((r) => lacksDirection(r) && !item4.includes(r.key)).map((r) => r.key);
  process.stdout.write(`${dir}: ${tests} originals tested, ${adversarial.size} adversarial at level Pa (${item4.length} attack records); ${attacks.filter(lacksDirection).length} records whose hardening had no direction (x_a = x_o)${skip5 ? ", not re-run (--skip-item5)" : ""}\n`);
  for (const key of item4) process.stdout.write(`item 4: ${key}\n`);
  for (const key of item5) process.stdout.write(`item 5: ${key}\n`);
  if (dryRun || item4.length + item5.length === 0) return;
  await rewrite(dir, lines, context, items, item4, item5);
}

/** Re-runs the keys of items 4 and 5 and replaces their lines of results.jsonl atomically, under the run's lock. */
async function rewrite(dir: string, lines: readonly string[], context: ExecutionContext, items: ReadonlyMap<string, WorkItem>, item4: readonly string[], item5: readonly string[]): Promise<void> {
  const lock = acquireLock(dir);
  try {
    const replaced = new Map<string, string>();
    for (const key of [...item4, ...item5]) {
      if (!lines.some((l) => (JSON.parse(l) as ResultRecord).key === key)) throw new Error(`no stored record ${JSON.stringify(key)} in ${dir}/results.jsonl`);
      const record = await executeItem(context, items.get(key)!);
      replaced.set(key, serializeRecord(record));
      process.stdout.write(`re-ran ${key}: ${(record as AttackRecord).stopReason}${(record as AttackRecord).hardened ? `, hardened ${(record as AttackRecord).hardened!.status}` : ""}\n`);
    }
    const current = readFileSync(join(dir, "results.jsonl"), "utf8").split("\n").filter((l) => l !== "");
    if (current.length !== lines.length) throw new Error(`results.jsonl changed while migrating: expected ${lines.length} lines, got ${current.length}`);
    const out = current.map((line) => {
      const key = (JSON.parse(line) as ResultRecord).key;
      return replaced.get(key) ?? line;
    });
    writeFileAtomic(join(dir, "results.jsonl"), out.join("\n") + "\n");
    process.stdout.write(`${replaced.size} records replaced in ${dir}/results.jsonl\n`);
  } finally {
    lock.release();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exitCode = 2;
});
