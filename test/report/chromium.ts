import { chmodSync, createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { createBrotliDecompress } from "node:zlib";

/** Where a Chromium binary came from. */
export type ChromiumSource = "RSBENCH_CHROMIUM" | "system" | "@sparticuz/chromium";

/** A Chromium binary for the browser tests. */
export interface ChromiumBinary {
  readonly path: string;
  readonly source: ChromiumSource;
}

/** Debian's chromium package. */
export const SYSTEM_CHROMIUM = "/usr/bin/chromium";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Finds the Chromium the browser tests drive, in this order:
 * 1. `RSBENCH_CHROMIUM`, when set (it must exist: a wrong explicit path is an error, not a fallback);
 * 2. a system Chromium at /usr/bin/chromium;
 * 3. the headless shell shipped inside the npm package @sparticuz/chromium (a devDependency, so
 *    `npm ci` brings it: nothing is installed by hand and nothing is downloaded at test time),
 *    decompressed once into .cache/chromium/<version>/.
 * Throws, saying what to do, on a platform the package has no binary for (it ships linux-x64).
 */
export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumBinary> {
  const explicit = env.RSBENCH_CHROMIUM;
  if (explicit !== undefined && explicit !== "") {
    if (!existsSync(explicit)) throw new Error(`RSBENCH_CHROMIUM=${explicit}: expected the path of a Chromium binary, found no file there`);
    return { path: explicit, source: "RSBENCH_CHROMIUM" };
  }
  if (existsSync(SYSTEM_CHROMIUM)) return { path: SYSTEM_CHROMIUM, source: "system" };
  if (`${process.platform}-${process.arch}` !== "linux-x64") {
    throw new Error(
      `no Chromium found: expected ${SYSTEM_CHROMIUM} or RSBENCH_CHROMIUM=/path/to/chromium; the npm package @sparticuz/chromium ships a linux-x64 binary only, got ${process.platform}-${process.arch}`,
    );
  }
  return { path: await packagedChromium(), source: "@sparticuz/chromium" };
}

/**
 * Decompresses @sparticuz/chromium's bin/chromium.br into .cache/chromium/<version>/chromium and
 * returns its path. Written to a temporary file and renamed, so that an interrupted or a
 * concurrent test run never leaves (or launches) half a binary. The package's own
 * `executablePath()` is not used: it writes non-atomically into the shared /tmp and then trusts
 * any file found there.
 */
async function packagedChromium(): Promise<string> {
  const packageDir = packageRoot("@sparticuz/chromium");
  const { version } = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version: string };
  const dir = join(ROOT, ".cache", "chromium", version);
  const binary = join(dir, "chromium");
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const partial = `${binary}.${process.pid}.partial`;
  try {
    await pipeline(createReadStream(join(packageDir, "bin", "chromium.br")), createBrotliDecompress(), createWriteStream(partial));
    chmodSync(partial, 0o755);
    renameSync(partial, binary);
  } finally {
    rmSync(partial, { force: true });
  }
  return binary;
}

/** The directory of an installed package (its `exports` hide package.json from require.resolve). */
function packageRoot(name: string): string {
  let dir = dirname(createRequire(import.meta.url).resolve(name));
  while (!existsSync(join(dir, "package.json")) || (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string }).name !== name) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`package ${name}: expected it under node_modules (a devDependency; run npm ci), found no package.json`);
    dir = up;
  }
  return dir;
}
