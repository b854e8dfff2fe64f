import { invalidParameter } from '../core/errors.js';

/** What a model reference names: a version by number, by alias, or the newest version. */
export type ModelRef =
  { name: string; version: number } | { name: string; alias: string } | { name: string; latest: true };

const refForms = 'NAME@ALIAS, NAME/VERSION, models:/NAME@ALIAS or models:/NAME/VERSION';

/**
 * Parses `NAME@ALIAS`, `NAME/VERSION`, `NAME/latest`, each optionally prefixed with `models:/`
 * (MLflow's model URIs). A `models:/m-…` logged-model URI is not a registry reference.
 */
export function parseModelRef(ref: string, field = 'ref'): ModelRef {
  const body = ref.startsWith('models:/') ? ref.slice('models:/'.length) : ref;
  const slash = body.indexOf('/');
  if (slash >= 0) {
    const name = body.slice(0, slash);
    const suffix = body.slice(slash + 1);
    if (name !== '' && /^\d+$/.test(suffix)) return { name, version: Number(suffix) };
    if (name !== '' && suffix.toLowerCase() === 'latest') return { name, latest: true };
    throw invalidParameter(field, `"${ref}" is not a model reference: use ${refForms}`);
  }
  const at = body.lastIndexOf('@');
  if (at > 0 && at < body.length - 1) return { name: body.slice(0, at), alias: body.slice(at + 1) };
  throw invalidParameter(field, `"${ref}" is not a model reference: use ${refForms}`);
}

/** `NAME/3` or `NAME@champion`, for messages. */
export function formatModelRef(ref: ModelRef): string {
  if ('version' in ref) return `${ref.name}/${ref.version}`;
  if ('alias' in ref) return `${ref.name}@${ref.alias}`;
  return `${ref.name}/latest`;
}
