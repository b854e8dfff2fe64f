import type { OutputSpec } from '../../registry/model-metadata.js';
import { attr, type GraphBuilder } from './model-builder.js';

/** The graph outputs a trained model exposes; serving reads them through `OutputSpec`. */
export const outputNames = { label: 'label', probabilities: 'probabilities', value: 'value' } as const;

/**
 * Classifier outputs from a float `[N, C]` probability value: `probabilities` (the same tensor,
 * columns in `classLabels` order, no ZipMap) and `label`, the class with the highest probability
 * (ArgMax, then Gather from the class labels: strings, or int64/float numbers).
 */
export function addClassifierOutputs(
  graph: GraphBuilder,
  probabilities: string,
  classLabels: ReadonlyArray<string | number>,
): OutputSpec {
  const classCount = classLabels.length;
  graph.node('Identity', [probabilities], [outputNames.probabilities], {}, { exact: true });
  graph.output(outputNames.probabilities, 'float', ['N', classCount]);
  const [index] = graph.node('ArgMax', [probabilities], ['class_index'], {
    axis: attr.int(1),
    keepdims: attr.int(0),
  });
  const labelType = classLabelType(classLabels);
  const labels = graph.constant(
    'class_labels',
    labelType === 'string'
      ? { type: 'string', dims: [classCount], values: classLabels.map(String) }
      : { type: labelType, dims: [classCount], values: classLabels.map(Number) },
  );
  graph.node('Gather', [labels, index!], [outputNames.label], { axis: attr.int(0) }, { exact: true });
  graph.output(outputNames.label, labelType, ['N']);
  return { label: outputNames.label, probabilities: outputNames.probabilities };
}

/** Regressor output from a float `[N, 1]` value: `value`. */
export function addRegressorOutput(graph: GraphBuilder, value: string): OutputSpec {
  graph.node('Identity', [value], [outputNames.value], {}, { exact: true });
  graph.output(outputNames.value, 'float', ['N', 1]);
  return { label: outputNames.value };
}

/** The ONNX element type that holds the class labels without loss. */
export function classLabelType(classLabels: ReadonlyArray<string | number>): 'string' | 'int64' | 'double' {
  if (classLabels.every((c) => typeof c === 'number' && Number.isSafeInteger(c))) return 'int64';
  if (classLabels.every((c) => typeof c === 'number')) return 'double';
  return 'string';
}
