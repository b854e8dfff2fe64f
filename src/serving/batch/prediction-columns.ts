import { BIGINT, DOUBLE, INTEGER, VARCHAR, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import type { ModelRuntime, Prediction } from '../model-runtime.js';

/** One column batch scoring adds to the output, with how to read it off a prediction. */
export interface PredictionColumn {
  name: string;
  type: DuckDBType;
  valueOf(prediction: Prediction): DuckDBValue;
}

/** Columns naming the model that scored each row, so an output file says where it came from. */
export const modelNameColumn = 'model_name';
export const modelVersionColumn = 'model_version';

/**
 * The columns a model's predictions fill: `label` and one `prob_<class>` per class for a
 * classifier, `prediction` for a regressor. A model whose metadata names no classes numbers its
 * probability columns (`prob_0`, `prob_1`…), read off a first prediction when there is one.
 */
export function predictionColumns(
  runtime: Pick<ModelRuntime, 'metadata' | 'outputs' | 'classLabels'>,
  first: Prediction | undefined,
): PredictionColumn[] {
  if (runtime.metadata.task === 'regression') {
    return [{ name: 'prediction', type: DOUBLE, valueOf: (p) => p.value ?? null }];
  }
  const labelType = runtime.outputs.find((o) => o.role === 'label')?.type ?? 'string';
  const columns: PredictionColumn[] = [labelColumn(labelType)];
  if (runtime.outputs.some((o) => o.role === 'probabilities')) {
    const classes = runtime.classLabels?.map(String) ?? Object.keys(first?.probabilities ?? {});
    for (const key of classes) {
      columns.push({ name: `prob_${key}`, type: DOUBLE, valueOf: (p) => p.probabilities?.[key] ?? null });
    }
  }
  return columns;
}

function labelColumn(onnxType: string): PredictionColumn {
  if (onnxType === 'string') {
    return { name: 'label', type: VARCHAR, valueOf: (p) => (p.label === undefined ? null : String(p.label)) };
  }
  if (onnxType.startsWith('int') || onnxType.startsWith('uint')) {
    return {
      name: 'label',
      type: BIGINT,
      valueOf: (p) => (p.label === undefined ? null : BigInt(p.label)),
    };
  }
  return { name: 'label', type: DOUBLE, valueOf: (p) => (p.label === undefined ? null : Number(p.label)) };
}

/** The two provenance columns' types. */
export const modelColumnTypes = { name: VARCHAR, version: INTEGER } as const;
