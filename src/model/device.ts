import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type ort from "onnxruntime-node";

/**
 * Where the base model runs: the one place that maps a device name to onnxruntime session options.
 * "cpu" is onnxruntime's CPU execution provider (the default, and what every stored run used).
 * "webgpu" is the WebGPU provider bundled with onnxruntime-node (Dawn over Vulkan on Linux); nodes
 * it does not implement are placed on the CPU provider by onnxruntime's own graph partitioning.
 * CUDA is not offered: onnxruntime-node downloads its provider libraries at install time from a
 * feed outside the npm registry, so it cannot be obtained or checked here.
 */
export const DEVICES = ["cpu", "webgpu"] as const;
/** Where a model runs: onnxruntime's CPU or WebGPU execution provider. */
export type Device = (typeof DEVICES)[number];
/** The device models run on unless told otherwise: the CPU. */
export const DEFAULT_DEVICE: Device = "cpu";

/** A device that cannot run the model: says what was tried, what is missing and how to fix it. */
export class DeviceError extends Error {
  override readonly name = "DeviceError";
}

/** The device named by `value`, or a RangeError listing the devices. */
export function parseDevice(value: unknown, what = "device"): Device {
  if (typeof value === "string" && (DEVICES as readonly string[]).includes(value)) return value as Device;
  throw new RangeError(`invalid ${what}: expected one of ${DEVICES.join(", ")}, got ${JSON.stringify(value)}`);
}

/** Session options that select the device's execution provider (merged over the thread settings). */
export function deviceSessionOptions(device: Device): Pick<ort.InferenceSession.SessionOptions, "executionProviders"> {
  switch (device) {
    case "cpu":
      return { executionProviders: ["cpu"] };
    case "webgpu":
      return { executionProviders: [{ name: "webgpu" }] };
  }
}

/**
 * Noise threads that suit a model on `device`: none on the CPU (the model already takes the
 * cores, and experiments run one worker per core), the cores left by the `sharing` threads that
 * run models at once (a run's workers, each with its own model) when the model runs off the CPU,
 * so that drawing the noise keeps up with the GPU: cores - 1 for one worker, floor((cores - K) / K)
 * each for K workers (at least 1). Each worker drawing cores - 1 would start K (cores - 1) threads.
 */
export function noiseThreadsFor(device: Device, cores = availableParallelism(), sharing = 1): number {
  if (!Number.isSafeInteger(sharing) || sharing < 1) throw new RangeError(`invalid sharing: expected an integer >= 1, got ${sharing}`);
  return device === "cpu" ? 0 : Math.max(1, Math.floor((cores - sharing) / sharing));
}

const LIBRARY_DIRS = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib"];
const ICD_DIRS = ["/etc/vulkan/icd.d", "/usr/share/vulkan/icd.d", "/usr/local/share/vulkan/icd.d"];

/** What the host offers the WebGPU provider on Linux: the Vulkan loader and the driver manifests (ICDs). */
export interface VulkanProbe {
  /** Path of libvulkan.so.1, or null when none is in LD_LIBRARY_PATH or the usual library folders. */
  readonly loader: string | null;
  /** Vulkan driver manifests (VK_ICD_FILENAMES / VK_DRIVER_FILES, or the usual icd.d folders). */
  readonly drivers: readonly string[];
}

/** Looks for the Vulkan loader and drivers the way the loader itself does (a diagnosis, not a guarantee). */
export function probeVulkan(env: NodeJS.ProcessEnv = process.env): VulkanProbe {
  const dirs = [...(env.LD_LIBRARY_PATH ?? "").split(":").filter(Boolean), ...LIBRARY_DIRS];
  const loader = dirs.map((d) => join(d, "libvulkan.so.1")).find((p) => existsSync(p)) ?? null;
  const listed = (env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES ?? "").split(":").filter(Boolean);
  const drivers = listed.length > 0
    ? listed.filter((p) => existsSync(p))
    : ICD_DIRS.flatMap((d) => (existsSync(d) ? readdirSync(d).filter((f) => f.endsWith(".json")).map((f) => join(d, f)) : []));
  return { loader, drivers };
}

function onnxruntimeVersion(): string {
  try {
    return (createRequire(import.meta.url)("onnxruntime-node/package.json") as { version: string }).version;
  } catch {
    return "(unknown version)";
  }
}

/**
 * The error for a device whose provider failed to start on `path` (the model itself loads on the
 * CPU provider: the caller checked). `reason` is onnxruntime's message.
 */
export function deviceUnavailable(device: Device, path: string, reason: string, vulkan: VulkanProbe = probeVulkan()): DeviceError {
  const tried = `tried onnxruntime-node ${onnxruntimeVersion()}'s ${device} execution provider on "${path}"`;
  const missing = vulkan.loader === null
    ? "no Vulkan loader (libvulkan.so.1 is in neither LD_LIBRARY_PATH nor the system library folders)"
    : vulkan.drivers.length === 0
      ? `no Vulkan driver (the loader is ${vulkan.loader}, but no driver manifest is in ${ICD_DIRS.join(", ")} or VK_ICD_FILENAMES)`
      : `a GPU adapter that Dawn accepts (the Vulkan drivers found, ${vulkan.drivers.join(", ")}, offered none; software Vulkan such as lavapipe lacks features Dawn requires)`;
  const fix = "run on a machine with a GPU and its Vulkan driver (Debian/Ubuntu: apt-get install libvulkan1, plus the GPU vendor's driver with its Vulkan ICD; `vulkaninfo --summary` should list the GPU), or pass --device cpu";
  return new DeviceError(`device ${device} is not usable: ${tried}, and it failed to start (${reason.trim()}). Missing: ${missing}. To fix: ${fix}. rsbench never falls back to another device by itself.`);
}
