import type { Command } from "commander";
import { DEFAULT_DEVICE, DEVICES, type Device } from "../model/device.js";
import type { ImageShape } from "../model/classifier.js";
import { parseChoice, UsageError } from "./args.js";

const HELP = `where the model runs: ${DEVICES.join(" or ")} (onnxruntime's execution provider; webgpu needs a GPU with a Vulkan driver and fails at once without one, never falling back)`;

/**
 * Adds `--device cpu|webgpu`, the one definition every command that runs a model uses. With
 * `fromConfig` (rsbench run, demo) it has no default: absent, the experiment config's device holds.
 */
export function deviceOption(command: Command, fromConfig = false): Command {
  return fromConfig
    ? command.option("--device <device>", `${HELP}; overrides the config's "device" (a run directory made on another device is refused)`)
    : command.option("--device <device>", HELP, DEFAULT_DEVICE)
      .option("--shape <C,H,W>", "the image shape of a model whose input has dynamic height and width (e.g. 3,96,96); a model with a fixed shape needs none");
}

/** `--shape C,H,W` (or CxHxW), checked: a UsageError says what was expected. */
export function shapeFlag(value: string | undefined): ImageShape | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(/[,x]/).map((p) => p.trim());
  const numbers = parts.map(Number);
  if (parts.length !== 3 || !numbers.every((v) => Number.isInteger(v) && v > 0)) {
    throw new UsageError(`invalid --shape: expected C,H,W (three positive integers, e.g. 3,96,96), got ${JSON.stringify(value)}`);
  }
  return { channels: numbers[0], height: numbers[1], width: numbers[2] };
}

/** The model options of a command's flags: --device and --shape. */
export function modelFlags(flags: { readonly device?: string; readonly shape?: string }): { device: Device; shape?: ImageShape } {
  const shape = shapeFlag(flags.shape);
  return shape ? { device: deviceFlag(flags), shape } : { device: deviceFlag(flags) };
}

/** The --device value, checked (a UsageError names the choices). */
export function deviceFlag(flags: { readonly device?: string }): Device {
  return parseChoice("--device", flags.device ?? DEFAULT_DEVICE, DEVICES);
}
