/**
 * ImageNet-size models for the benchmarks: torchvision ResNet-18 / ResNet-50 ONNX files at
 * 3x224x224 (random seeded weights, ImageNet normalisation inside the model), built on first use
 * by training/export_resnet.py into .cache/models/ (RSBENCH_CACHE_DIR/models/), never committed
 * (46.7 and 102 MB). Without python3 and torch the 224 benchmarks are skipped with the command
 * that builds the files; nothing at run time needs Python.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
export const RESNET_ARCHES = ["resnet18", "resnet50"] as const;
export type ResnetArch = (typeof RESNET_ARCHES)[number];

/** Where the file of `arch` lives (whether or not it exists yet). */
export function resnetPath(arch: ResnetArch): string {
  return join(process.env.RSBENCH_CACHE_DIR ?? join(root, ".cache"), "models", `${arch}.onnx`);
}

/** The command that builds the file of `arch`. */
export function exportCommand(arch: ResnetArch, python = "python3"): string[] {
  return [python, join(root, "training", "export_resnet.py"), "--arch", arch, "--out", resnetPath(arch)];
}

/** Debian's interpreter first (it has torch), then whatever python3 is on PATH. */
function python(): string {
  return existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

/**
 * The path of the ResNet file, built with training/export_resnet.py when missing, or null (with a
 * message saying how to build it) when python3 with torch and torchvision is not available.
 */
export function ensureResnet(arch: ResnetArch, say: (line: string) => void = console.log): string | null {
  const path = resnetPath(arch);
  if (existsSync(path)) return path;
  const [exe, ...args] = exportCommand(arch, python());
  const jemalloc = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";
  const env = { ...process.env, OMP_WAIT_POLICY: "PASSIVE", ...(existsSync(jemalloc) ? { LD_PRELOAD: jemalloc } : {}) };
  say(`building ${path} (${exportCommand(arch).join(" ")}) ...`);
  const done = spawnSync(exe, args, { env, encoding: "utf8" });
  if (done.status === 0 && existsSync(path)) return path;
  const why = done.error ? done.error.message : (done.stderr || "").trim().split("\n").slice(-1)[0];
  say(`skipped: ${arch} could not be built (${why}); it needs python3 with torch and torchvision: ${exportCommand(arch).join(" ")}`);
  return null;
}
