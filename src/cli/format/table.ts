export type Align = 'left' | 'right';

export interface TableOptions {
  /** Alignment per column; left by default. */
  align?: Align[];
  /** Cells longer than this are cut with "…"; 60 by default. */
  maxCellWidth?: number;
}

/**
 * A plain-text table: a header row, then one line per row, columns two spaces apart, no
 * borders, so it reads well in a terminal and survives `grep` and `cut`.
 */
export function renderTable(headers: string[], rows: string[][], options: TableOptions = {}): string {
  const maxWidth = options.maxCellWidth ?? 60;
  const cells = [headers, ...rows].map((row) => headers.map((_, i) => truncate(row[i] ?? '', maxWidth)));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => displayWidth(row[i] ?? ''))));
  const lines = cells.map((row) =>
    row
      .map((cell, i) => pad(cell, widths[i] ?? 0, options.align?.[i] ?? 'left'))
      .join('  ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\n`;
}

/** `key  value` lines for one object's fields. */
export function renderFields(fields: [string, string][]): string {
  const width = Math.max(0, ...fields.map(([key]) => key.length));
  return fields.map(([key, value]) => `${`${key}:`.padEnd(width + 1)}  ${value}`).join('\n') + '\n';
}

function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s*\n\s*/g, ' ');
  return displayWidth(oneLine) > max ? `${[...oneLine].slice(0, max - 1).join('')}…` : oneLine;
}

function pad(text: string, width: number, align: Align): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return align === 'right' ? fill + text : text + fill;
}

/** Counts code points, so "…" and accented names take one column. */
function displayWidth(text: string): number {
  return [...text].length;
}
