import { invalidParameter } from '../core/errors.js';
import { gbdt } from './gbdt/gbdt-learner.js';
import type { Learner } from './learner.js';
import { linearRegression } from './linear/linear-regression.js';
import { logisticRegression } from './linear/logistic-regression.js';

/** The model families `--model` names. */
export const learners: ReadonlyArray<Learner<unknown>> = [
  linearRegression as Learner<unknown>,
  logisticRegression as Learner<unknown>,
  gbdt as Learner<unknown>,
];

/** The learner called `name`; fails listing the known ones. */
export function findLearner(name: string): Learner<unknown> {
  const learner = learners.find((l) => l.name === name);
  if (!learner) {
    throw invalidParameter(
      'model',
      `no model "${name}"; choose one of ${learners.map((l) => l.name).join(', ')}`,
    );
  }
  return learner;
}
