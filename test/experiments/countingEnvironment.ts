/**
 * The fixture environment with its attack's queries counted twice, outside the oracle: the probe
 * attack sees the real oracle through a wrapper that counts the points it had answered, and every
 * model is wrapped in a CountingClassifier, whose images seen during the attack are the attack's
 * base forward passes. Both counts go into the record's anomalies (`answeredQueries`,
 * `baseImages`), so a test can hold the record's own `queries` and `forwardPasses` against them.
 */
import type { Attack } from "../../src/attacks/types.js";
import type { ExperimentEnvironment } from "../../src/experiments/execute/environment.js";
import type { DecisionOracle } from "../../src/oracle/oracle.js";
import { CountingClassifier } from "../attacks/budget.js";
import { createEnvironment as createFixture, probe, type ProbeOptions } from "./fixtureEnvironment.js";

export function createEnvironment(): ExperimentEnvironment {
  const fixture = createFixture();
  const models: CountingClassifier[] = [];
  const seen = () => models.reduce((sum, m) => sum + m.images, 0);
  const counted: Attack<ProbeOptions> = async (oracle, image, label, options, context) => {
    let answered = 0;
    const wrapper: DecisionOracle = {
      get shape() { return oracle.shape; },
      get bounds() { return oracle.bounds; },
      get remaining() { return oracle.remaining; },
      async isAdversarial(batch, count) {
        const answers = await oracle.isAdversarial(batch, count);
        answered += count;
        return answers;
      },
    };
    const before = seen();
    try {
      return await probe(wrapper, image, label, options, context);
    } finally {
      context.anomalies.answeredQueries = answered;
      context.anomalies.baseImages = seen() - before;
    }
  };
  return {
    ...fixture,
    async loadModel(name, options) {
      const model = new CountingClassifier(await fixture.loadModel(name, options));
      models.push(model);
      return model;
    },
    attacks: { probe: { ...fixture.attacks.probe, attack: counted } },
  };
}

export const COUNTING_ENVIRONMENT = new URL("./countingEnvironment.ts", import.meta.url).href;
