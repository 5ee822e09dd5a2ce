import type { Command } from "commander";
import { register as registerTheory } from "./theory.js";
import { register as registerAttack } from "./attack.js";
import { register as registerPredict } from "./predict.js";
import { register as registerCertify } from "./certify.js";
import { register as registerRun } from "./run.js";
import { register as registerResults } from "./results.js";
import { register as registerDemo } from "./demo.js";
import { register as registerModels } from "./models.js";
import { register as registerEvaluate } from "./evaluate.js";
import { register as registerCalibrate } from "./calibrate.js";
import { register as registerMerge } from "./merge.js";
import { register as registerReport } from "./report.js";
import { writeReport } from "../../report/index.js";

/** Each module registers its commands on the program; the CLI is a thin layer over the library. */
export const registrations: Array<(program: Command) => void> = [];
registrations.push(registerTheory);
registrations.push((program) => registerRun(program, (dir) => writeReport(dir)));
registrations.push(registerResults);
registrations.push(registerMerge);
registrations.push(registerReport);
registrations.push((program) => registerDemo(program, (dir) => writeReport(dir)));
registrations.push(registerPredict);
registrations.push(registerCertify);
registrations.push(registerAttack);
registrations.push(registerModels);
registrations.push(registerEvaluate);
registrations.push(registerCalibrate);
