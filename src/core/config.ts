import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { closestName } from './closest-name.js';
import { invalidParameter } from './errors.js';
import type { RetentionSpec } from './retention-spec.js';
import { settings, type Setting, type SettingContext } from './settings.js';

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
  /** Port of the Open Inference Protocol over gRPC beside the HTTP server; undefined serves no gRPC. */
  grpcPort: number | undefined;
  logLevel: string;
  /** Base URL of a running server; when set, the CLI talks to it instead of the embedded store. */
  url: string | undefined;
  /** The API token the CLI and SDK send to that server. */
  token: string | undefined;
  /** Who the embedded CLI acts as (audit log, promotions); the OS user when unset. */
  user: string | undefined;
  /** Largest request body accepted, in bytes. */
  bodyLimitBytes: number;
  /** How often the server judges running rollouts, in milliseconds. */
  rolloutIntervalMs: number;
  /** How often the server evaluates enabled alert rules, in milliseconds; 0 turns it off. */
  alertIntervalMs: number;
  /**
   * How long a pipeline run outlives the last heartbeat of the process driving it before any
   * live server fails it (resumably), in milliseconds.
   */
  pipelineLeaseMs: number;
  /** How much of the prediction log to keep (MLOOP_PREDICTION_RETENTION); undefined keeps everything. */
  predictionRetention: RetentionSpec | undefined;
  /** How long resolved alerts are kept, globally and per model (MLOOP_ALERT_RETENTION; ages only). */
  alertRetention: RetentionSpec | undefined;
  /** How long audit entries are kept, in milliseconds (MLOOP_AUDIT_RETENTION); undefined keeps all. */
  auditRetention: number | undefined;
  /** How long finished pipeline runs keep their step logs, in milliseconds (MLOOP_PIPELINE_LOG_RETENTION). */
  pipelineLogRetention: number | undefined;
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
  /** The BullMQ queue pipeline steps go through (`mloop-pipeline-steps` when unset). */
  queue: string | undefined;
  /** The interpreter serving MLflow models that have no ONNX package (it needs mlflow). */
  python: string;
  /** `local` runs models in `python` as it is; `virtualenv` builds an environment per model requirements. */
  pythonEnvManager: 'local' | 'virtualenv';
  /** Worker processes per served Python model version. */
  pythonWorkers: number;
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
const configKeys = Object.keys(settings) as ReadonlyArray<keyof Config>;

const fileNames = ['mloop.config.json'];

/**
 * The one config loader, over the settings declared in `settings.ts`. Precedence: explicit
 * overrides (command-line flags), then `MLOOP_*` environment variables, then `mloop.config.json`
 * in the working directory, then defaults.
 */
export function loadConfig(
  overrides: ConfigOverrides = {},
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Config {
  const read = settingReader(overrides, env, cwd);
  const config: Partial<Record<keyof Config, unknown>> = {};
  for (const key of configKeys) config[key] = read(key);
  return config as Config;
}

/**
 * One setting alone, with the same precedence, for code that needs no whole configuration (the
 * SDK's token, the CLI's acting user): another setting's bad value does not fail it, and an
 * unreadable `mloop.config.json` gives undefined (whatever loads the whole configuration says why).
 */
export function readSetting<K extends keyof Config>(
  key: K,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Config[K] | undefined {
  try {
    return settingReader({}, env, cwd)(key);
  } catch {
    return undefined;
  }
}

function settingReader(overrides: ConfigOverrides, env: NodeJS.ProcessEnv, cwd: string) {
  const file = readConfigFile(cwd);
  const raw = (key: keyof Config): unknown => {
    if (overrides[key] !== undefined) return overrides[key];
    const fromEnv = env[settings[key].env];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    return file[key];
  };
  const parse = <K extends keyof Config>(key: K, context: SettingContext): Config[K] => {
    const setting = settings[key] as Setting<Config[K]>;
    return setting.parse(raw(key) ?? setting.fallback?.(context), context);
  };
  // The home first: other defaults (database, artifacts) live under it.
  const home = parse('home', { cwd, home: cwd });
  return <K extends keyof Config>(key: K): Config[K] => parse(key, { cwd, home });
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
