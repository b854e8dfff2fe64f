import { invalidParameter } from '../../core/errors.js';

/**
 * Normalises a relative artifact path and rejects anything that could leave the store:
 * absolute paths, `..` segments, backslashes, NUL bytes, and empty segments.
 */
export function normalizeArtifactPath(raw: string, field = 'path'): string {
  if (raw.includes('\0')) throw invalidParameter(field, `${field} must not contain NUL bytes`);
  if (raw.includes('\\')) throw invalidParameter(field, `${field} must use "/" separators, got "${raw}"`);
  if (raw.startsWith('/')) throw invalidParameter(field, `${field} must be relative, got "${raw}"`);
  if (/^[a-zA-Z]:/.test(raw)) throw invalidParameter(field, `${field} must be relative, got "${raw}"`);
  const segments = raw.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) {
    throw invalidParameter(field, `${field} must not contain ".." segments, got "${raw}"`);
  }
  return segments.join('/');
}

export function joinArtifactPath(...parts: string[]): string {
  return normalizeArtifactPath(parts.filter((p) => p !== '').join('/'));
}
