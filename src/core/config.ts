import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { closestName } from './closest-name.js';
import { invalidParameter } from './errors.js';

/** Everything a mloop process is configured by. */
export interface Config {
  /** Directory of the embedded default (SQLite file and local artifacts). */
  home: string;
  /** `sqlite:PATH` or `postgres://…`. */
  databaseUrl: string;
  /** Local directory that holds artifacts, or `s3://bucket/prefix` for an S3-compatible bucket. */
  artifactRoot: string;
  /** Address S3 buckets path-style (`endpoint/bucket/key`), as MinIO and most self-hosted servers need. */
  s3ForcePathStyle: boolean;
  host: string;
  port: number;
  logLevel: string;
  /** Base URL of a running server; when set, the CLI talks to it instead of the embedded store. */
  url: string | undefined;
  /** Largest request body accepted, in bytes. */
  bodyLimitBytes: number;
  /** How often the server judges running rollouts, in milliseconds. */
  rolloutIntervalMs: number;
  /** How often the server evaluates enabled alert rules, in milliseconds; 0 turns it off. */
  alertIntervalMs: number;
  /** `on` refuses requests without a token; `auto` is on unless the server listens on loopback. */
  auth: 'on' | 'off' | 'auto';
  /** Aliases only a project maintainer may move (comma-separated in MLOOP_PROTECTED_ALIASES). */
  protectedAliases: string[];
  /** When on, moving a protected alias needs a second maintainer's approval. */
  fourEyes: boolean;
  /** Requests per minute one token (or one address without a token) may make; 0 turns it off. */
  rateLimitPerMinute: number;
  /** Largest body of a route that is not an upload (artifacts, dataset files), in bytes. */
  jsonBodyLimitBytes: number;
  /**
   * Key of the hash that stands for personal values marked `hash` in the prediction log; when
   * unset, a random key is generated once and kept in `home`.
   */
  piiHashKey: string | undefined;
  /** Redis of the BullMQ executor: pipeline steps the server runs go to `mloop worker` processes. */
  redisUrl: string | undefined;
  /**
   * Browser origins (`https://app.example.com`) besides the server's own that may send
   * state-changing requests and read answers (CORS); none by default, so CORS is off.
   */
  allowedOrigins: string[];
  /**
   * Names the `Host` header may carry (DNS-rebinding guard); `*` allows any. Empty: the listen
   * address, localhost and 127.0.0.1 (any name when listening on every interface with auth on).
   */
  allowedHosts: string[];
  /**
   * Hosts alert webhooks may reach though they are loopback, private or link-local (comma-separated
   * in MLOOP_WEBHOOK_ALLOWED_HOSTS); any other webhook must resolve to public addresses only.
   */
  webhookAllowedHosts: string[];
}

export type ConfigOverrides = Partial<Config>;

/** Every key `mloop.config.json` may hold: a key the file has and this list lacks is a typo. */
const configKeys = [
  'home',
  'databaseUrl',
  'artifactRoot',
  's3ForcePathStyle',
  'host',
  'port',
  'logLevel',
  'url',
  'bodyLimitBytes',
  'rolloutIntervalMs',
  'alertIntervalMs',
  'auth',
  'protectedAliases',
  'fourEyes',
  'rateLimitPerMinute',
  'jsonBodyLimitBytes',
  'piiHashKey',
  'redisUrl',
  'allowedOrigins',
  'allowedHosts',
  'webhookAllowedHosts',
] as const satisfies ReadonlyArray<keyof Config>;
// Fails to compile when Config gains a key this list does not name.
const everyKeyListed: Record<Exclude<keyof Config, (typeof configKeys)[number]>, never> = {};
void everyKeyListed;

const fileNames = ['mloop.config.json'];

/**
 * The one config loader. Precedence: explicit overrides (command-line flags), then `MLOOP_*`
 * environment variables, then `mloop.config.json` in the working directory, then defaults.
 */
export function loadConfig(
  overrides: ConfigOverrides = {},
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Config {
  const file = readConfigFile(cwd);
  const pick = <K extends keyof Config>(key: K, envName: string): Config[K] | undefined => {
    if (overrides[key] !== undefined) return overrides[key];
    const fromEnv = env[envName];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv as Config[K];
    return file[key] as Config[K] | undefined;
  };

  const home = resolve(cwd, pick('home', 'MLOOP_HOME') ?? '.mloop');
  const port = Number(pick('port', 'MLOOP_PORT') ?? 5050);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw invalidParameter('port', `port must be an integer between 0 and 65535, got ${String(port)}`);
  }
  const bodyLimitBytes = Number(pick('bodyLimitBytes', 'MLOOP_BODY_LIMIT_BYTES') ?? 64 * 1024 * 1024);
  const rolloutIntervalMs = Number(pick('rolloutIntervalMs', 'MLOOP_ROLLOUT_INTERVAL_MS') ?? 10_000);
  if (!Number.isInteger(rolloutIntervalMs) || rolloutIntervalMs < 1) {
    throw invalidParameter(
      'rolloutIntervalMs',
      `rolloutIntervalMs must be a positive whole number of milliseconds, got ${String(rolloutIntervalMs)}`,
    );
  }
  const alertIntervalMs = Number(pick('alertIntervalMs', 'MLOOP_ALERT_INTERVAL_MS') ?? 60_000);
  if (!Number.isInteger(alertIntervalMs) || alertIntervalMs < 0) {
    throw invalidParameter(
      'alertIntervalMs',
      `alertIntervalMs must be a whole number of milliseconds (0 turns alert evaluation off), got ${String(alertIntervalMs)}`,
    );
  }
  const auth = String(pick('auth', 'MLOOP_AUTH') ?? 'auto');
  if (auth !== 'on' && auth !== 'off' && auth !== 'auto')
    throw invalidParameter('auth', `auth must be on, off or auto, got '${auth}'`);
  const protectedAliases = pick('protectedAliases', 'MLOOP_PROTECTED_ALIASES') ?? ['production', 'champion'];
  const fourEyes = String(pick('fourEyes', 'MLOOP_FOUR_EYES') ?? 'false') === 'true';
  const rateLimitPerMinute = Number(pick('rateLimitPerMinute', 'MLOOP_RATE_LIMIT_PER_MINUTE') ?? 6000);
  if (!Number.isInteger(rateLimitPerMinute) || rateLimitPerMinute < 0)
    throw invalidParameter(
      'rateLimitPerMinute',
      `rateLimitPerMinute must be a whole number (0 turns it off)`,
    );
  const jsonBodyLimitBytes = Number(
    pick('jsonBodyLimitBytes', 'MLOOP_JSON_BODY_LIMIT_BYTES') ?? 16 * 1024 * 1024,
  );
  if (!Number.isInteger(jsonBodyLimitBytes) || jsonBodyLimitBytes < 1)
    throw invalidParameter(
      'jsonBodyLimitBytes',
      'jsonBodyLimitBytes must be a positive whole number of bytes',
    );
  const artifactRoot = pick('artifactRoot', 'MLOOP_ARTIFACT_ROOT') ?? join(home, 'artifacts');
  return {
    home,
    databaseUrl: pick('databaseUrl', 'MLOOP_DATABASE_URL') ?? `sqlite:${join(home, 'mloop.db')}`,
    // An s3:// URL is kept as written; a directory is made absolute against the working directory.
    artifactRoot:
      /^s3:\/\//i.test(artifactRoot) || isAbsolute(artifactRoot) ? artifactRoot : resolve(cwd, artifactRoot),
    s3ForcePathStyle: String(pick('s3ForcePathStyle', 'MLOOP_S3_FORCE_PATH_STYLE') ?? 'false') === 'true',
    host: pick('host', 'MLOOP_HOST') ?? '127.0.0.1',
    port,
    logLevel: pick('logLevel', 'MLOOP_LOG_LEVEL') ?? 'info',
    url: pick('url', 'MLOOP_URL'),
    bodyLimitBytes,
    rolloutIntervalMs,
    alertIntervalMs,
    auth,
    protectedAliases: (typeof protectedAliases === 'string'
      ? (protectedAliases as string).split(',')
      : protectedAliases
    )
      .map((a) => a.trim())
      .filter(Boolean),
    fourEyes,
    rateLimitPerMinute,
    jsonBodyLimitBytes,
    piiHashKey: pick('piiHashKey', 'MLOOP_PII_HASH_KEY'),
    redisUrl: pick('redisUrl', 'MLOOP_REDIS_URL'),
    allowedOrigins: listOf(pick('allowedOrigins', 'MLOOP_ALLOWED_ORIGINS') ?? []).map((o) =>
      o.replace(/\/+$/, '').toLowerCase(),
    ),
    allowedHosts: listOf(pick('allowedHosts', 'MLOOP_ALLOWED_HOSTS') ?? []).map((h) => h.toLowerCase()),
    webhookAllowedHosts: listOf(pick('webhookAllowedHosts', 'MLOOP_WEBHOOK_ALLOWED_HOSTS') ?? []),
  };
}

/** A list setting: an array (flags, config file) or comma-separated text (environment). */
function listOf(value: string[] | string): string[] {
  return (typeof value === 'string' ? value.split(',') : value).map((v) => v.trim()).filter(Boolean);
}

function readConfigFile(cwd: string): Partial<Config> {
  for (const name of fileNames) {
    const path = join(cwd, name);
    if (!existsSync(path)) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw invalidParameter(name, `${path} is not valid JSON: ${(error as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw invalidParameter(name, `${path} must hold a JSON object of settings`);
    }
    rejectUnknownKeys(parsed, path);
    return parsed as Partial<Config>;
  }
  return {};
}

/** A misspelt key would otherwise be ignored without a word, and its setting silently defaulted. */
function rejectUnknownKeys(settings: object, path: string): void {
  const known: readonly string[] = configKeys;
  for (const key of Object.keys(settings)) {
    if (known.includes(key)) continue;
    const guess = closestName(key, known);
    throw invalidParameter(
      key,
      `${path} has an unknown key '${key}'${guess ? ` (did you mean ${guess}?)` : ''}; ` +
        `the known keys are: ${known.join(', ')}`,
    );
  }
}
