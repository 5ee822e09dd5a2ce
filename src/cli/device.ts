import type { Command } from "commander";
import { DEFAULT_DEVICE, DEVICES, type Device } from "../model/device.js";
import { parseChoice } from "./args.js";

const HELP = `where the model runs: ${DEVICES.join(" or ")} (onnxruntime's execution provider; webgpu needs a GPU with a Vulkan driver and fails at once without one, never falling back)`;

/**
 * Adds `--device cpu|webgpu`, the one definition every command that runs a model uses. With
 * `fromConfig` (rsbench run, demo) it has no default: absent, the experiment config's device holds.
 */
export function deviceOption(command: Command, fromConfig = false): Command {
  return fromConfig
    ? command.option("--device <device>", `${HELP}; overrides the config's "device" (a run directory made on another device is refused)`)
    : command.option("--device <device>", HELP, DEFAULT_DEVICE);
}

/** The --device value, checked (a UsageError names the choices). */
export function deviceFlag(flags: { readonly device?: string }): Device {
  return parseChoice("--device", flags.device ?? DEFAULT_DEVICE, DEVICES);
}
