import { invalidParameter } from '../core/errors.js';
import type { Prediction } from '../serving/model-runtime.js';

/** Ground truth as callers send it: a class (classification) or a value (regression). */
export type LabelValue = string | number | boolean;

/** What a label is checked against: the task, and the classes a classifier knows. */
export interface ModelLabelSpace {
  task: 'classification' | 'regression';
  /** The classes, in the model's own types; undefined when the model does not say. */
  classes: Array<string | number> | undefined;
}

/**
 * The label space of the model that made `outputs`. The outputs decide the task (a value means
 * regression); the classes come from the version's metadata, else from the probability keys the
 * prediction carries (models exported without class labels still name them there).
 */
export function labelSpaceOf(
  outputs: Prediction,
  metadataClasses: Array<string | number> | undefined,
): ModelLabelSpace {
  if (outputs.value !== undefined && outputs.label === undefined)
    return { task: 'regression', classes: undefined };
  const fromOutputs = outputs.probabilities ? Object.keys(outputs.probabilities) : undefined;
  const classes = metadataClasses ?? fromOutputs;
  // Probability keys are text; a prediction whose label is a number has numeric classes, unless
  // the metadata names them (a model whose label output is a class index).
  const numeric = typeof outputs.label === 'number';
  const asNumber = (c: string | number) =>
    numeric && typeof c === 'string' && c.trim() !== '' && Number.isFinite(Number(c)) ? Number(c) : c;
  return { task: 'classification', classes: classes?.map(asNumber) };
}

/**
 * Checks a label against a model's label space and returns it as the model spells it: `"1"` from a
 * CSV file becomes the class `1` of a model with integer classes, `true` the class `1` (or
 * `"true"`). A classifier's label must be one of its classes; a regressor's a finite number.
 */
export function canonicalLabel(label: unknown, space: ModelLabelSpace, field: string): LabelValue {
  if (label === null || label === undefined) throw invalidParameter(field, `${field} is missing`);
  if (typeof label !== 'string' && typeof label !== 'number' && typeof label !== 'boolean') {
    throw invalidParameter(field, `${field} must be a string, a number or a boolean`);
  }
  if (space.task === 'regression') {
    if (typeof label !== 'number' || !Number.isFinite(label)) {
      throw invalidParameter(
        field,
        `${field} must be a finite number: the model is a regressor, got ${JSON.stringify(label)}`,
      );
    }
    return label;
  }
  if (typeof label === 'number' && !Number.isFinite(label)) {
    throw invalidParameter(field, `${field} must be a class of the model, got ${label}`);
  }
  if (!space.classes) return label;
  const candidates = typeof label === 'boolean' ? [String(label), String(Number(label))] : [String(label)];
  const match = space.classes.find((c) => candidates.includes(String(c)));
  if (match === undefined) {
    const known = space.classes.map((c) => JSON.stringify(c)).join(', ');
    throw invalidParameter(
      field,
      `${field} ${JSON.stringify(label)} is not a class of the model; its classes are ${known}`,
    );
  }
  return match;
}
