import type { DatasetDiff } from '../../data/dataset-diff.js';
import type { ColumnProfile, DatasetVersion, DatasetVersionSummary } from '../../data/types.js';
import { formatBytes } from '../format/bytes.js';
import { renderFields, renderTable } from '../format/table.js';
import { formatNumber, formatTime } from '../format/values.js';

const num = (v: number | undefined) => (v === undefined ? '-' : formatNumber(v));
const percent = (share: number) => `${formatNumber(Math.round(share * 1000) / 10)}%`;

/** One version: what it is, where it came from, then a line of profile per column. */
export function renderDatasetVersion(v: DatasetVersion): string {
  const sections = [
    renderFields([
      ['dataset', `${v.name}/${v.version}`],
      ['digest', v.digest],
      ['format', `${v.format} (${v.files.length} file${v.files.length === 1 ? '' : 's'})`],
      ['rows', v.rowCount.toLocaleString('en-US')],
      ['size', formatBytes(v.sizeBytes)],
      ['parent', v.parentVersion === undefined ? '-' : `${v.name}/${v.parentVersion}`],
      ['source', v.source ?? '-'],
      ['created', formatTime(v.createdAt)],
      ['personal', personalColumns(v)],
    ]),
    renderTable(
      ['COLUMN', 'TYPE', 'MISSING', 'DISTINCT', 'MIN', 'MEAN', 'STD', 'P50', 'MAX', 'TOP VALUES'],
      v.profile.columns.map(profileRow),
      { align: ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'] },
    ),
  ];
  return sections.join('\n');
}

/** `email (redact), customer_id (hash)`: the columns prediction logs keep out, and how. */
function personalColumns(v: DatasetVersion): string {
  const entries = Object.entries(v.pii ?? {});
  return entries.length === 0 ? '-' : entries.map(([column, mode]) => `${column} (${mode})`).join(', ');
}

function profileRow(c: ColumnProfile): string[] {
  const top = (c.topValues ?? []).slice(0, 3).map((t) => `${t.value} (${t.count})`);
  return [
    c.name,
    c.type,
    percent(c.missingShare),
    `${c.distinctApproximate ? '≈' : ''}${c.distinct.toLocaleString('en-US')}`,
    c.min !== undefined ? num(c.min) : (c.minText ?? '-'),
    num(c.mean),
    num(c.std),
    num(c.quantiles?.p50),
    c.max !== undefined ? num(c.max) : (c.maxText ?? '-'),
    top.join(', ') || '-',
  ];
}

/** A dataset's versions, newest first. */
export function renderVersionList(versions: DatasetVersionSummary[]): string {
  return renderTable(
    ['VERSION', 'ROWS', 'COLUMNS', 'SIZE', 'FORMAT', 'PARENT', 'DIGEST', 'CREATED', 'SOURCE'],
    versions.map((v) => [
      `${v.name}/${v.version}`,
      v.rowCount.toLocaleString('en-US'),
      String(v.schema.length),
      formatBytes(v.sizeBytes),
      v.format,
      v.parentVersion === undefined ? '-' : String(v.parentVersion),
      v.digest.slice(0, 12),
      formatTime(v.createdAt),
      v.source ?? '',
    ]),
    { align: ['left', 'right', 'right', 'right', 'left', 'right', 'left', 'left', 'left'] },
  );
}

/** Rows, schema changes, then how each shared column moved. */
export function renderDiff(d: DatasetDiff): string {
  const from = `${d.from.name}/${d.from.version}`;
  const to = `${d.to.name}/${d.to.version}`;
  const delta = (n: number) => (n > 0 ? `+${formatNumber(n)}` : formatNumber(n));
  const sections = [
    renderFields([
      ['from', `${from} (${d.from.digest.slice(0, 12)})`],
      ['to', `${to} (${d.to.digest.slice(0, 12)})`],
      ['rows', `${d.rowCount.from} → ${d.rowCount.to} (${delta(d.rowCount.delta)})`],
      ['content', d.sameContent ? 'identical bytes' : 'different'],
    ]),
  ];
  sections.push(
    d.schema.length === 0
      ? 'schema: unchanged\n'
      : renderTable(
          ['COLUMN', 'CHANGE', 'FROM', 'TO'],
          d.schema.map((s) => [s.column, s.change, s.from ?? '-', s.to ?? '-']),
        ),
  );
  sections.push(
    renderTable(
      ['COLUMN', 'MISSING', 'DISTINCT', 'MEAN', 'MEAN SHIFT (STD)', 'STD', 'MEDIAN', 'TOP VALUES'],
      d.columns.map((c) => [
        c.name,
        `${percent(c.missingShare.from)} → ${percent(c.missingShare.to)}`,
        `${c.distinct.from} → ${c.distinct.to}`,
        c.mean ? `${num(c.mean.from)} → ${num(c.mean.to)}` : '-',
        c.mean?.inStd !== undefined ? delta(Number(c.mean.inStd.toFixed(3))) : '-',
        c.std ? `${num(c.std.from)} → ${num(c.std.to)}` : '-',
        c.median ? `${num(c.median.from)} → ${num(c.median.to)}` : '-',
        c.topValues
          ? [...c.topValues.added.map((v) => `+${v}`), ...c.topValues.removed.map((v) => `-${v}`)].join(
              ' ',
            ) || 'same'
          : '-',
      ]),
    ),
  );
  return sections.join('\n');
}
