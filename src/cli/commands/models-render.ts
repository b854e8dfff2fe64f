import type { ModelConversion } from '../../registry/model-metadata.js';
import type { ModelVersion, RegisteredModel } from '../../registry/types.js';
import { servingRuntimeOf } from '../../serving/serving-runtime.js';
import { renderFields, renderTable } from '../format/table.js';
import { formatTime } from '../format/values.js';

/** A registered model's fields, then one line per version. */
export function renderModel(model: RegisteredModel, versions: ModelVersion[]): string {
  const sections = [
    renderFields([
      ['name', model.name],
      ['description', model.description ?? '-'],
      ['created', formatTime(model.creationTime)],
      ['updated', formatTime(model.lastUpdatedTime)],
      ['aliases', model.aliases.map((a) => `${a.alias} → ${a.version}`).join(', ') || '-'],
      ['tags', model.tags.map((t) => `${t.key}=${t.value}`).join(', ') || '-'],
    ]),
  ];
  if (versions.length === 0) {
    sections.push(`No versions yet: \`mloop models register --run RUN --path PATH ${model.name}\`.\n`);
  } else {
    sections.push(
      renderTable(
        ['VERSION', 'STATUS', 'FORMAT', 'ALIASES', 'RUN', 'CREATED', 'DESCRIPTION'],
        versions.map((v) => [
          String(v.version),
          v.statusMessage ? `${v.status} (not servable)` : v.status,
          v.format ?? '-',
          v.aliases.join(', ') || '-',
          v.runId ?? '-',
          formatTime(v.creationTime),
          v.description ?? '',
        ]),
        { align: ['right', 'left', 'left', 'left', 'left', 'left', 'left'] },
      ),
    );
  }
  return sections.join('\n');
}

function runtimeLine(v: ModelVersion): string {
  const { runtime, reason } = servingRuntimeOf(v);
  const conversion = v.lineage.conversion;
  // A converted MLflow model is an mloop ONNX package to serving; say where it came from.
  const why =
    conversion?.status === 'converted' && runtime === 'onnx'
      ? describeConversion(conversion)
      : conversion?.status === 'failed' && runtime !== 'none'
        ? `${reason}; ${describeConversion(conversion)}`
        : reason;
  return `${runtime === 'none' ? 'not served' : runtime}: ${why}`;
}

/** `50 given rows` or `20 rows of the input example`. */
function sampleText(rows: number, source: string | undefined): string {
  const plural = rows === 1 ? '' : 's';
  return source === 'rows given'
    ? `${rows} given row${plural}`
    : `${rows} row${plural} of the ${source ?? 'sample'}`;
}

/** One sentence on a conversion: what was converted with what, and how it was checked, or why it failed. */
export function describeConversion(c: ModelConversion): string {
  if (c.status === 'failed') return `not converted to ONNX: ${c.reason ?? 'unknown reason'}`;
  const converters = Object.entries(c.converters ?? {})
    .filter(([name]) => name === 'skl2onnx' || name === 'onnxmltools')
    .map(([name, version]) => `${name} ${version}`)
    .join(' + ');
  const checked =
    c.sampleRows === undefined
      ? ''
      : `, checked on ${sampleText(c.sampleRows, c.sampleSource)} (max difference ${c.maxDifference?.toExponential(1) ?? '0'})`;
  return `converted to ONNX from the MLflow ${c.flavor} model ${c.estimator ?? ''} by ${converters || 'skl2onnx'} (opset ${c.targetOpset ?? '-'})${checked}, run by onnxruntime in the serving process`.replace(
    '  ',
    ' ',
  );
}

/** One version: what it is, where its files are, what it takes as input, and where it came from. */
export function renderVersion(v: ModelVersion): string {
  const { lineage, metadata } = v;
  const git = lineage.git ? `${lineage.git.commit}${lineage.git.dirty ? ' (uncommitted changes)' : ''}` : '-';
  const sections = [
    renderFields([
      ['model', `${v.name}/${v.version}`],
      ['status', v.statusMessage ? `${v.status}: ${v.statusMessage}` : v.status],
      ['aliases', v.aliases.join(', ') || '-'],
      ['stage', v.stage],
      ['format', v.format ?? '-'],
      ['runtime', runtimeLine(v)],
      ['task', metadata?.task ?? '-'],
      ['created', formatTime(v.creationTime)],
      ['description', v.description ?? '-'],
      ['source', v.source],
      ['files', v.storagePath],
      ['run', lineage.runId ?? v.runId ?? '-'],
      ['logged model', v.loggedModelId ?? '-'],
      ['git commit', git],
      ['tags', v.tags.map((t) => `${t.key}=${t.value}`).join(', ') || '-'],
    ]),
  ];
  if (metadata) {
    const layout =
      metadata.layout.kind === 'tensor' ? `tensor ${metadata.layout.inputName}` : 'one input each';
    sections.push(
      renderTable(
        ['FEATURE', 'TYPE', `INPUT (${layout})`],
        metadata.inputs.map((f, i) => [
          f.name +
            (f.pii === 'hash' ? ' (pii: hashed)' : f.pii ? ' (pii)' : '') +
            (f.optional ? ' (optional)' : ''),
          f.type,
          metadata.layout.kind === 'tensor' ? `column ${i}` : f.name,
        ]),
      ),
    );
    if (metadata.classLabels?.length) sections.push(`classes: ${metadata.classLabels.join(', ')}\n`);
  }
  if (lineage.datasets.length > 0) {
    sections.push(
      renderTable(
        ['TRAINED ON', 'DIGEST'],
        lineage.datasets.map((d) => [datasetLabel(d), d.digest]),
      ),
    );
  }
  const packages = Object.entries(lineage.packages ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (packages.length > 0) sections.push(renderTable(['PACKAGE', 'VERSION'], packages));
  return sections.join('\n');
}

/** `NAME/VERSION` for a mloop dataset version, else the name with the version id it was logged with. */
function datasetLabel(d: { name: string; versionId?: string }): string {
  if (d.versionId?.startsWith(`${d.name}/`)) return d.versionId;
  return d.name + (d.versionId ? ` (${d.versionId})` : '');
}
