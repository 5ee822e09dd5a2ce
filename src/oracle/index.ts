export type { DecisionOracle } from "./oracle.js";
export { BudgetExhaustedError } from "./oracle.js";
export { LabelOnlyOracle, distortionAt, labelDecider, votingDecider } from "./labelOnly.js";
export type { CallDecider, CallDecisions, LabelOnlyOracleOptions, TracePoint } from "./labelOnly.js";
export { DEFAULT_ORACLE_RULE, MAX_REPEATS, ORACLE_RULE_FORMS, labelCalls, oracleRuleOf, parseOracleRule, wrongLabelsNeeded } from "./rule.js";
export type { OracleRule } from "./rule.js";
export { SEQUENTIAL_VERIFY_DEFAULTS, verificationLooks, verifyAdversarial, verifySequential } from "./verify.js";
export type { SequentialVerification, SequentialVerifyOptions, Verification, VerificationStatus, VerifyOptions } from "./verify.js";
