import type { CheckResult, ColumnQuality, DataQualityReport } from './quality/index.js';

/**
 * The data-quality section of a monitoring report: one row per feature with each check's count
 * and share (flagged checks in red), then the issues in words and any keys the reference lacks.
 * Plain HTML, styled by the drift report's page.
 */
export function renderQualitySectionHtml(
  quality: DataQualityReport,
  escape: (text: string) => string,
): string {
  const issues =
    quality.issues.length === 0
      ? '<p class="summary ok"><strong>No data-quality issues</strong> in the window.</p>'
      : `<p class="summary drift"><strong>${quality.issues.length} data-quality issue${quality.issues.length === 1 ? '' : 's'}</strong>:</p>
<ul>
${quality.issues.map((i) => `<li><strong>${escape(i.column)}</strong> (${i.check.replace('_', ' ')}): ${escape(i.message)}</li>`).join('\n')}
</ul>`;
  const unexpected =
    quality.unexpectedColumns.length === 0
      ? ''
      : `<p class="note">Inputs the reference does not have: ${quality.unexpectedColumns.map(escape).join(', ')}</p>`;
  return `<h2>Data quality</h2>
<p>${quality.rows} records checked against the reference's profile.</p>
${issues}
<table>
<thead><tr><th>Feature</th><th>Type</th><th>Missing</th><th>Wrong type</th><th>Out of range</th><th>Unseen categories</th></tr></thead>
<tbody>
${quality.columns.map((c) => renderQualityRow(c, escape)).join('\n')}
</tbody>
</table>
${unexpected}`;
}

function renderQualityRow(column: ColumnQuality, escape: (text: string) => string): string {
  return `<tr>
<td>${escape(column.name)}</td>
<td>${column.kind}</td>
${cell(column.missing)}
${cell(column.typeMismatch)}
${column.outOfRange ? cell(column.outOfRange) : '<td></td>'}
${column.unseenCategories ? cell(column.unseenCategories) : '<td></td>'}
</tr>`;
}

function cell(check: CheckResult): string {
  const text = check.count === 0 ? '0' : `${check.count} (${(check.share * 100).toFixed(1)}%)`;
  return `<td class="number verdict ${check.flagged ? 'drift' : 'ok'}">${text}</td>`;
}
