import { invalidParameter } from '../core/errors.js';

/** Dataset names: they appear in artifact paths and URLs, so no slashes, `@` or spaces. */
const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function checkDatasetName(name: string, field = 'name'): string {
  if (!namePattern.test(name) || name.includes('..')) {
    throw invalidParameter(
      field,
      `dataset name "${name}" is not valid: use 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
  return name;
}

/**
 * How people point at a version: `NAME` or `NAME@latest` (the newest), `NAME/3` (a number),
 * `NAME@9f2c…` (a digest prefix of at least 6 hex characters).
 */
export type DatasetRef =
  | { name: string; kind: 'latest' }
  | { name: string; kind: 'version'; version: number }
  | { name: string; kind: 'digest'; digestPrefix: string };

export function parseDatasetRef(raw: string, field = 'ref'): DatasetRef {
  const text = raw.trim().replace(/^mloop:\/\/datasets\//, '');
  const slash = text.indexOf('/');
  if (slash >= 0) {
    const name = checkDatasetName(text.slice(0, slash), field);
    const number = text.slice(slash + 1);
    if (!/^[1-9]\d{0,9}$/.test(number)) {
      throw invalidParameter(
        field,
        `"${raw}": the version after "/" must be a positive number, as in ${name}/3`,
      );
    }
    return { name, kind: 'version', version: Number(number) };
  }
  const at = text.indexOf('@');
  if (at < 0) return { name: checkDatasetName(text, field), kind: 'latest' };
  const name = checkDatasetName(text.slice(0, at), field);
  const selector = text.slice(at + 1).toLowerCase();
  if (selector === 'latest') return { name, kind: 'latest' };
  if (!/^[0-9a-f]{6,64}$/.test(selector)) {
    throw invalidParameter(
      field,
      `"${raw}": after "@" give "latest" or at least 6 hex characters of a version's digest`,
    );
  }
  return { name, kind: 'digest', digestPrefix: selector };
}

export function formatDatasetRef(ref: DatasetRef): string {
  if (ref.kind === 'latest') return `${ref.name}@latest`;
  if (ref.kind === 'version') return `${ref.name}/${ref.version}`;
  return `${ref.name}@${ref.digestPrefix}`;
}

/** The URI a run's dataset input carries for a version: `mloop://datasets/NAME/VERSION`. */
export function datasetVersionUri(name: string, version: number): string {
  return `mloop://datasets/${name}/${version}`;
}

/** `{name, version}` from `mloop://datasets/NAME/VERSION`, or undefined for any other URI. */
export function parseDatasetVersionUri(uri: string): { name: string; version: number } | undefined {
  const match = /^mloop:\/\/datasets\/([A-Za-z0-9][A-Za-z0-9._-]{0,127})\/([1-9]\d{0,9})$/.exec(uri);
  return match ? { name: match[1]!, version: Number(match[2]) } : undefined;
}
