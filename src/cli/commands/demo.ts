import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { deviceOption } from "../device.js";
import { printRunOutput, runCommand, WRITE_REPORT, type ReportWriter, type RunFlags } from "./run.js";

/** The demo's experiment: a reduced grid on the shipped Fashion-MNIST models (under 10 minutes on 2 cores). */
export const DEMO_CONFIG = fileURLToPath(new URL("../../../experiments/demo-fashion-mnist.json", import.meta.url));

/** Registers `rsbench demo`. */
export function register(program: Command, reportWriter: ReportWriter = WRITE_REPORT): void {
  deviceOption(program.command("demo"), true)
    .description("Run the demo experiment (experiments/demo-fashion-mnist.json: a reduced grid on the shipped Fashion-MNIST models), write its HTML report and print the headline numbers.")
    .option("--out <dir>", "run directory (default: runs/demo-fashion-mnist); re-running resumes or just reprints it")
    .option("--workers <k>", "worker threads (default: all cores)")
    .option("--no-report", "do not write the HTML report")
    .option("--json", "print one JSON object {dir, report, executed, resumed, manifest, headline}")
    .addHelpText("after", "\nExample:\n  npm run demo            # the same as: rsbench demo")
    .action(async (flags: RunFlags) => {
      printRunOutput(await runCommand(DEMO_CONFIG, flags, reportWriter), flags.json);
    });
}
