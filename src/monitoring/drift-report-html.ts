import type { ColumnDrift, DriftReport, Histogram } from './drift/drift-report.js';
import type { DataQualityReport } from './quality/index.js';
import { renderQualitySectionHtml } from './quality-report-html.js';

/**
 * A drift report as one self-contained HTML page: a summary, the table of tests, statistics and
 * verdicts, and per column an inline SVG histogram of reference against current (as shares of
 * each side, so samples of different sizes compare). No scripts, fonts or images are fetched.
 */
export interface DriftReportHtmlOptions {
  title?: string;
  /** Shown under the title, e.g. which data was compared; plain text. */
  subtitle?: string;
  /** Facts shown as a list under the subtitle (model, window, reference…); plain text. */
  facts?: Array<[string, string]>;
  /** A data-quality section after the drift table (monitoring reports have one). */
  quality?: DataQualityReport;
}

const REFERENCE_COLOUR = '#4c78a8';
const CURRENT_COLOUR = '#f58518';

export function renderDriftReportHtml(report: DriftReport, options: DriftReportHtmlOptions = {}): string {
  const title = options.title ?? 'Data drift report';
  const verdict = report.datasetDrift ? 'Dataset drift detected' : 'No dataset drift';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${options.subtitle ? `<p class="subtitle">${escapeHtml(options.subtitle)}</p>` : ''}
${options.facts ? `<dl class="facts">${options.facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>` : ''}
<p class="summary ${report.datasetDrift ? 'drift' : 'ok'}"><strong>${verdict}</strong>: ${report.driftedColumns} of ${report.columns.length} columns drifted (share ${formatNumber(report.driftedShare)}; dataset drift at ${formatNumber(report.driftShareThreshold)} or more).</p>
<p class="legend"><span class="swatch" style="background:${REFERENCE_COLOUR}"></span>reference <span class="swatch" style="background:${CURRENT_COLOUR}"></span>current</p>
<table>
<thead><tr><th>Column</th><th>Type</th><th>Test</th><th>Statistic</th><th>p-value</th><th>Threshold</th><th>Verdict</th><th>Reference vs current</th></tr></thead>
<tbody>
${report.columns.map(renderRow).join('\n')}
</tbody>
</table>
${options.quality ? renderQualitySectionHtml(options.quality, escapeHtml) : ''}
</body>
</html>
`;
}

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
h1 { margin-bottom: 0.2rem; }
.subtitle { color: #666; margin-top: 0; }
.summary { padding: 0.6rem 0.9rem; border-radius: 4px; }
.summary.drift { background: #fdecea; }
.summary.ok { background: #e8f5e9; }
.legend .swatch { display: inline-block; width: 0.9rem; height: 0.9rem; margin: 0 0.3rem 0 0.8rem; vertical-align: middle; }
table { border-collapse: collapse; }
th, td { border-bottom: 1px solid #ddd; padding: 0.4rem 0.7rem; text-align: left; vertical-align: middle; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
.verdict.drift { color: #b71c1c; font-weight: 600; }
.verdict.ok { color: #1b5e20; }
.note { color: #666; font-size: 0.85rem; }
.facts { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; }
.facts dt { color: #666; }
.facts dd { margin: 0; }
`;

function renderRow(column: ColumnDrift): string {
  const verdict = column.note ? 'not judged' : column.drifted ? 'drift' : 'no drift';
  const note = column.note ? `<div class="note">${escapeHtml(column.note)}</div>` : '';
  return `<tr>
<td>${escapeHtml(column.name)}</td>
<td>${column.type}</td>
<td>${escapeHtml(testLabels[column.test])}</td>
<td class="number">${formatNumber(column.statistic)}</td>
<td class="number">${column.pValue === undefined ? '' : formatNumber(column.pValue)}</td>
<td class="number">${formatNumber(column.threshold)}</td>
<td class="verdict ${column.drifted ? 'drift' : 'ok'}">${verdict}${note}</td>
<td>${renderHistogramSvg(column)}</td>
</tr>`;
}

const testLabels: Record<ColumnDrift['test'], string> = {
  ks: 'Kolmogorov–Smirnov',
  wasserstein: 'Wasserstein (normed)',
  psi: 'PSI',
  chisquare: 'chi-square',
  z: 'Z-test',
  jensenshannon: 'Jensen–Shannon',
};

const WIDTH = 320;
const HEIGHT = 110;
const AXIS = 16;

/** Grouped bars, reference and current side by side, each as a share of its own sample. */
export function renderHistogramSvg(column: ColumnDrift): string {
  const reference = shares(column.referenceHistogram);
  const current = shares(column.currentHistogram);
  const bins = Math.max(reference.length, current.length);
  const label = `Histogram of ${column.name}: reference and current`;
  const open = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(label)}">`;
  if (bins === 0) return `${open}<text x="4" y="20" font-size="11">no data</text></svg>`;
  const top = Math.max(...reference, ...current, 1e-12);
  const plotHeight = HEIGHT - AXIS - 4;
  const slot = WIDTH / bins;
  const bar = Math.max(slot / 2 - 0.5, 0.5);
  const labels = binLabels(column.referenceHistogram);
  const parts: string[] = [open];
  for (let b = 0; b < bins; b++) {
    for (const [side, values, colour, offset] of [
      ['reference', reference, REFERENCE_COLOUR, 0],
      ['current', current, CURRENT_COLOUR, bar],
    ] as const) {
      const share = values[b] ?? 0;
      const height = (share / top) * plotHeight;
      const x = b * slot + offset;
      const y = 4 + plotHeight - height;
      parts.push(
        `<rect x="${x.toFixed(2)}" y="${y.toFixed(2)}" width="${bar.toFixed(2)}" height="${height.toFixed(2)}" fill="${colour}"><title>${escapeHtml(`${labels[b] ?? ''} ${side}: ${(share * 100).toFixed(2)}%`)}</title></rect>`,
      );
    }
  }
  parts.push(
    `<line x1="0" y1="${HEIGHT - AXIS}" x2="${WIDTH}" y2="${HEIGHT - AXIS}" stroke="#999" stroke-width="1"/>`,
  );
  const first = labels[0] ?? '';
  const last = labels[labels.length - 1] ?? '';
  parts.push(
    `<text x="0" y="${HEIGHT - 3}" font-size="10" fill="#555">${escapeHtml(truncate(first))}</text>`,
  );
  if (labels.length > 1) {
    parts.push(
      `<text x="${WIDTH}" y="${HEIGHT - 3}" font-size="10" fill="#555" text-anchor="end">${escapeHtml(truncate(last))}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

function shares(histogram: Histogram): number[] {
  const total = histogram.counts.reduce((a, b) => a + b, 0);
  return histogram.counts.map((c) => (total > 0 ? c / total : 0));
}

function binLabels(histogram: Histogram): string[] {
  if (histogram.kind === 'categories') return histogram.categories;
  return histogram.counts.map(
    (_, i) => `[${formatNumber(histogram.edges[i] ?? NaN)}, ${formatNumber(histogram.edges[i + 1] ?? NaN)}]`,
  );
}

function truncate(text: string, max = 24): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return '–';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude < 1e-4 || magnitude >= 1e6) return value.toExponential(3);
  return Number(value.toPrecision(4)).toString();
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
