/**
 * Runs the tiny fixture experiment in a child process (for the SIGKILL test):
 * node --import tsx test/experiments/runFixture.ts OUT WORKERS [SLOW_MS]
 * SLOW_MS slows every attack query down so that the parent can kill the run mid-way.
 */
import { runExperiment } from "../../src/experiments/execute/runner.js";
import { FIXTURE_ENVIRONMENT, tinyConfig } from "./tinyConfig.js";

const [out, workers, slow] = process.argv.slice(2);
const config = tinyConfig({ attacks: [{ name: "probe", budget: 40, options: { delayMs: Number(slow ?? 0) } }] });
const summary = await runExperiment(config as never, { out, workers: Number(workers), environment: FIXTURE_ENVIRONMENT });
process.stdout.write(JSON.stringify({ executed: summary.executed, resumed: summary.resumed, recovery: summary.recovery }) + "\n");
