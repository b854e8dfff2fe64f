import { invalidParameter } from '../../core/errors.js';
import type { ArtifactStore } from './artifact-store.js';
import { LocalArtifactStore } from './local-artifact-store.js';
import type { S3Location } from './s3-artifact-store.js';

export interface ArtifactStoreSettings {
  /** Address buckets as `endpoint/bucket/key` rather than `bucket.endpoint/key` (MinIO, moto...). */
  s3ForcePathStyle: boolean;
}

/** Is `root` an object-store URL rather than a local directory? */
export function isObjectStoreUrl(root: string): boolean {
  return /^s3:\/\//i.test(root);
}

/**
 * The one way to open an artifact store: `s3://bucket/prefix` opens a bucket, anything else is a
 * local directory. Endpoint, region and credentials come from the usual AWS variables
 * (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY);
 * without keys, the SDK's default credential chain.
 */
export async function openArtifactStore(
  root: string,
  settings: ArtifactStoreSettings,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ArtifactStore> {
  if (!isObjectStoreUrl(root)) return new LocalArtifactStore(root);
  const location = parseS3Url(root);
  // Imported only here: the SDK is large, and a process on a local directory never needs it.
  const [{ S3Client }, { S3ArtifactStore }] = await Promise.all([
    import('@aws-sdk/client-s3'),
    import('./s3-artifact-store.js'),
  ]);
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = env;
  const client = new S3Client({
    // The SDK refuses to start without a region; S3-compatible servers mostly ignore it.
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    forcePathStyle: settings.s3ForcePathStyle,
    ...(endpoint ? { endpoint } : {}),
    // Without keys here the SDK's own chain (profiles, instance roles, web identity) applies.
    ...(accessKeyId && secretAccessKey
      ? { credentials: { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN } }
      : {}),
  });
  return new S3ArtifactStore(client, location);
}

/** `s3://bucket/some/prefix/` → bucket and prefix (`some/prefix`). */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(url);
  if (!match) throw invalidParameter('artifactRoot', `'${url}' is not an s3://bucket/prefix URL`);
  const bucket = match[1]!;
  const prefix = match[2]!.replace(/\/+$/, '');
  if (prefix.split('/').some((s) => s === '..' || s === '.'))
    throw invalidParameter('artifactRoot', `the prefix of '${url}' must not hold "." or ".." segments`);
  return { bucket, prefix: prefix.replace(/\/{2,}/g, '/') };
}
