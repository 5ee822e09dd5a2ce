/** Theory calculators of docs/paper.md: certified radius (2), SORM (3), level-Pa thresholds (5), distance bound (6). */
export { certifiedRadius, maxCertifiableRadius } from "./certifiedRadius.js";
export { sormPi0 } from "./sorm.js";
export {
  adversarialProbability,
  distanceBound,
  exactPi0Max,
  levelThreshold,
  majorityCount,
  marginTerm,
  pi0Max,
  shortcutPi0Max,
  voteErrorProbability,
  wrongVotesNeeded,
} from "./level.js";
export type { TieRule } from "./level.js";
