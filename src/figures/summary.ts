/** Summary statistics of the tables and figures: the descriptive statistics of src/stats. */
export { mean, median } from "../stats/descriptive.js";
