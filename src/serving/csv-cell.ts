import type { FeatureType } from '../registry/model-metadata.js';

/**
 * A CSV cell as the value a JSON client would send for a feature of `type`: a number for numeric
 * features, `true`/`false` for booleans (any case), the text itself for strings and for columns
 * the model does not take; an empty cell is missing (null). A cell that is not what its feature
 * needs stays text, so the feature checks (`parseRecords`) name its row and column.
 */
export function csvCellValue(text: string, type: FeatureType | undefined): unknown {
  if (type === 'string' || type === undefined) return text;
  const trimmed = text.trim();
  if (trimmed === '') return null;
  if (type === 'bool') {
    const lower = trimmed.toLowerCase();
    return lower === 'true' ? true : lower === 'false' ? false : text;
  }
  const number = Number(trimmed);
  return Number.isNaN(number) && trimmed !== 'NaN' ? text : number;
}
