import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';

/**
 * How artifact files are answered to MLflow clients and the browser: always as an attachment
 * named after the file, typed by the file's name (never by what the client asks for in
 * `Accept`), and with `nosniff`, so a browser neither renders an uploaded HTML or script on
 * the server's origin nor guesses an executable type from the bytes.
 */

/** Files MLflow's UI shows as text, whatever their extension says; MLmodel and MLproject have none. */
const textExtensions = new Set([
  'txt', 'log', 'err', 'cfg', 'conf', 'cnf', 'cf', 'ini', 'properties', 'prop', 'hocon', 'toml',
  'yaml', 'yml', 'xml', 'json', 'js', 'py', 'py3', 'csv', 'tsv', 'md', 'rst', 'ipynb',
  'mlmodel', 'mlproject',
]); // prettier-ignore

/** The registered types of the other files runs usually hold (images, documents, archives, media). */
const typeOfExtension: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  bmp: 'image/bmp',
  webp: 'image/webp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  ico: 'image/vnd.microsoft.icon',
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
  html: 'text/html',
  htm: 'text/html',
  css: 'text/css',
  zip: 'application/zip',
  gz: 'application/gzip',
  tar: 'application/x-tar',
  parquet: 'application/vnd.apache.parquet',
  mp3: 'audio/mpeg',
  wav: 'audio/x-wav',
  mp4: 'video/mp4',
  webm: 'video/webm',
};

/** The Content-Type of an artifact, from its file name alone. */
export function artifactContentType(path: string): string {
  const name = baseName(path);
  const dot = name.lastIndexOf('.');
  const extension = (dot > 0 ? name.slice(dot + 1) : name).toLowerCase();
  if (textExtensions.has(extension)) return 'text/plain';
  return (dot > 0 && typeOfExtension[extension]) || 'application/octet-stream';
}

/** RFC 6266 attachment disposition; non-ASCII names also go as RFC 5987 `filename*`. */
export function attachmentDisposition(fileName: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(fileName)) return `attachment; filename=${headerValue(fileName)}`;
  const fallback = fileName.normalize('NFKD').replace(/[^\x20-\x7e]/g, '') || 'download';
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
  return `attachment; filename=${headerValue(fallback)}; filename*=UTF-8''${encoded}`;
}

/** Sends one artifact file as a download (see the top of this file for why). */
export function sendArtifactFile(
  reply: FastifyReply,
  path: string,
  file: { stream: Readable; size: number; sha256: string | undefined },
): FastifyReply {
  reply.header('content-length', file.size);
  if (file.sha256) reply.header('x-mloop-sha256', file.sha256);
  reply.header('content-disposition', attachmentDisposition(baseName(path)));
  reply.header('x-content-type-options', 'nosniff');
  return reply.type(artifactContentType(path)).send(file.stream);
}

function baseName(path: string): string {
  return path.split('/').pop() ?? path;
}

/** A bare token when every character may stand in one, else a quoted string (RFC 7230). */
function headerValue(value: string): string {
  if (/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(value)) return value;
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
