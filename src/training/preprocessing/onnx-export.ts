import type { FeatureSpec } from '../../registry/model-metadata.js';
import { attr, type GraphBuilder } from '../onnx/model-builder.js';
import type { CategoricalStep, NumericStep, Preprocessor } from './preprocessor.js';

export interface ExportedPreprocessing {
  /** The graph value holding the model inputs: float [N, width], columns in `featureNames` order. */
  features: string;
  width: number;
  /**
   * The package's input signature: one `[N, 1]` graph input per raw column, required, and
   * nullable (the graph imputes a missing value).
   */
  inputs: FeatureSpec[];
}

/**
 * Adds the preprocessing to a graph, so a served model takes raw records (layout `columns`):
 * numeric inputs are float32 `[N, 1]`, concatenated, then Imputer (NaN → fill, unless missing
 * values stay missing) and Scaler (unless nothing is scaled);
 * each categorical input is a string `[N, 1]` mapped by a LabelEncoder (known category → itself,
 * "" → fill, anything else → a marker no category has) and one-hot encoded (OneHotEncoder with
 * zeros=1, so an unseen category is all zeros). Everything is concatenated into one float matrix.
 */
export function exportPreprocessing(graph: GraphBuilder, pre: Preprocessor): ExportedPreprocessing {
  const numeric = pre.steps.filter((s): s is NumericStep => s.kind === 'numeric');
  const categorical = pre.steps.filter((s): s is CategoricalStep => s.kind === 'categorical');
  const inputs: FeatureSpec[] = pre.steps.map((s) => ({
    name: s.name,
    type: s.kind === 'numeric' ? 'float32' : 'string',
    nullable: true,
  }));
  for (const step of pre.steps)
    graph.input(step.name, step.kind === 'numeric' ? 'float' : 'string', ['N', 1]);

  const blocks: string[] = [];
  if (numeric.length > 0) blocks.push(numericBlock(graph, numeric));
  for (const step of categorical) {
    if (step.categories.length > 0) blocks.push(oneHotBlock(graph, step));
  }
  const width = pre.featureNames.length;
  const features =
    blocks.length === 1
      ? (blocks[0] as string)
      : (graph.node('Concat', blocks, ['features'], { axis: attr.int(1) })[0] as string);
  return { features, width, inputs };
}

function numericBlock(graph: GraphBuilder, steps: NumericStep[]): string {
  const joined =
    steps.length === 1
      ? steps[0]!.name
      : graph.node(
          'Concat',
          steps.map((s) => s.name),
          ['numeric'],
          { axis: attr.int(1) },
        )[0]!;
  // An Imputer that only puts NaN back, or a Scaler that changes nothing, is left out.
  let value = joined;
  if (steps.some((s) => !Number.isNaN(s.fill))) {
    value = graph.node('Imputer', [value], ['numeric_imputed'], {
      imputed_value_floats: attr.floats(steps.map((s) => s.fill)),
      replaced_value_float: attr.float(NaN),
    })[0]!;
  }
  if (steps.some((s) => s.offset !== 0 || s.scale !== 1)) {
    value = graph.node('Scaler', [value], ['numeric_scaled'], {
      offset: attr.floats(steps.map((s) => s.offset)),
      scale: attr.floats(steps.map((s) => s.scale)),
    })[0]!;
  }
  return value;
}

function oneHotBlock(graph: GraphBuilder, step: CategoricalStep): string {
  const unseen = unseenMarker(step.categories);
  const keys = [...step.categories, ''];
  const values = [...step.categories, step.fill];
  const [mapped] = graph.node('LabelEncoder', [step.name], [`${step.name}_imputed`], {
    keys_strings: attr.strings(keys),
    values_strings: attr.strings(values),
    default_string: attr.string(unseen),
  });
  // OneHotEncoder appends the category axis: [N, 1] → [N, 1, C]; reshaped to [N, C].
  const [encoded] = graph.node('OneHotEncoder', [mapped!], [`${step.name}_onehot`], {
    cats_strings: attr.strings(step.categories),
    zeros: attr.int(1),
  });
  const shape = graph.constant(`${step.name}_shape`, {
    type: 'int64',
    dims: [2],
    values: [-1, step.categories.length],
  });
  return graph.node('Reshape', [encoded!, shape], [`${step.name}_encoded`])[0]!;
}

/** A string no category equals, for values the model never saw. */
function unseenMarker(categories: readonly string[]): string {
  let marker = '\u0000unseen';
  while (categories.includes(marker)) marker += '_';
  return marker;
}
