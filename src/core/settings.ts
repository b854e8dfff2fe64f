import { isAbsolute, join, resolve } from 'node:path';
import type { Config } from './config.js';
import { invalidParameter } from './errors.js';
import { parseRetentionAge, parseRetentionSpec, type RetentionSpec } from './retention-spec.js';

/** What a setting's default and parser may depend on besides the value itself. */
export interface SettingContext {
  /** The working directory relative paths are resolved against. */
  cwd: string;
  /** The data directory, already resolved (read first: other defaults live under it). */
  home: string;
}

/**
 * One setting, declared once: the loader reads it from its flag, its environment variable or
 * `mloop.config.json` (in that precedence), and the README's configuration table is generated
 * from these declarations (test/docs/configuration-table.test.ts fails when they differ).
 */
export interface Setting<T> {
  /** The environment variable. */
  env: `MLOOP_${string}`;
  /** The command-line flag of the commands that take it (`--port <port>`), if any. */
  flag?: string;
  /** What it sets, in the user's words (the README's "setting" column). */
  description: string;
  /** The default as users read it (the README's "default" column). */
  shownDefault: string;
  /** The value when nothing sets it, before parsing. */
  fallback?: (context: SettingContext) => unknown;
  /** Turns text (environment) or JSON (file, flags) into the setting's value; throws invalidParameter. */
  parse: (raw: unknown, context: SettingContext) => T;
}

const text = (raw: unknown): string => String(raw);
const optionalText = (raw: unknown): string | undefined => (raw === undefined ? undefined : String(raw));
const flag = (raw: unknown): boolean => String(raw) === 'true';

/** A list setting: an array (flags, config file) or comma-separated text (environment). */
function listOf(raw: unknown): string[] {
  const values = raw === undefined ? [] : Array.isArray(raw) ? raw.map(String) : String(raw).split(',');
  return values.map((v) => v.trim()).filter(Boolean);
}

/** A whole number of at least `min`, with the message users see when it is not. */
function wholeNumber(key: keyof Config, min: number, message: (value: number) => string) {
  return (raw: unknown): number => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw invalidParameter(key, message(value));
    return value;
  };
}

/** Retention rules as text (`90d,churn=30d`), already parsed rules (overrides), or unset: keep all. */
function retentionRules(raw: unknown, key: keyof Config, sizes: boolean): RetentionSpec | undefined {
  if (raw === undefined || String(raw).trim() === '') return undefined;
  return typeof raw === 'object' ? (raw as RetentionSpec) : parseRetentionSpec(String(raw), key, sizes);
}

/** One retention age as text (`365d`) or milliseconds, or unset: keep all. */
function retentionAge(raw: unknown, key: keyof Config): number | undefined {
  if (raw === undefined || String(raw).trim() === '') return undefined;
  return typeof raw === 'number' ? raw : parseRetentionAge(String(raw), key);
}

/** A port number, 0 picking a free one. */
function portNumber(key: keyof Config, name: string) {
  return (raw: unknown): number => {
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw invalidParameter(key, `${name} must be an integer between 0 and 65535, got ${String(raw)}`);
    return port;
  };
}

/** Every setting, in the order the README lists them; the type requires one per `Config` key. */
export const settings: { readonly [K in keyof Config]: Setting<Config[K]> } = {
  home: {
    env: 'MLOOP_HOME',
    description: 'data directory',
    shownDefault: '`./.mloop`',
    fallback: () => '.mloop',
    parse: (raw, { cwd }) => resolve(cwd, String(raw)),
  },
  databaseUrl: {
    env: 'MLOOP_DATABASE_URL',
    flag: '--database-url',
    description: 'metadata database',
    shownDefault: '`sqlite:./.mloop/mloop.db` (or `postgres://…`)',
    fallback: ({ home }) => `sqlite:${join(home, 'mloop.db')}`,
    parse: text,
  },
  artifactRoot: {
    env: 'MLOOP_ARTIFACT_ROOT',
    flag: '--artifact-root',
    description: 'artifact directory, or `s3://bucket/prefix` for S3-compatible storage',
    shownDefault: '`./.mloop/artifacts`',
    fallback: ({ home }) => join(home, 'artifacts'),
    // An s3:// URL is kept as written; a directory is made absolute against the working directory.
    parse: (raw, { cwd }) => {
      const root = String(raw);
      return /^s3:\/\//i.test(root) || isAbsolute(root) ? root : resolve(cwd, root);
    },
  },
  s3ForcePathStyle: {
    env: 'MLOOP_S3_FORCE_PATH_STYLE',
    description: 'address S3 buckets path-style (MinIO and most self-hosted servers)',
    shownDefault: '`false`',
    fallback: () => 'false',
    parse: flag,
  },
  host: {
    env: 'MLOOP_HOST',
    flag: '--host',
    description: 'listen address',
    shownDefault: '`127.0.0.1`',
    fallback: () => '127.0.0.1',
    parse: text,
  },
  port: {
    env: 'MLOOP_PORT',
    flag: '--port',
    description: 'listen port (0 picks a free one)',
    shownDefault: '`5050`',
    fallback: () => 5050,
    parse: portNumber('port', 'port'),
  },
  grpcPort: {
    env: 'MLOOP_GRPC_PORT',
    flag: '--grpc-port',
    description: 'Open Inference Protocol gRPC port of `mloop server` and `mloop serve` (0 picks a free one)',
    shownDefault: 'none (gRPC off)',
    parse: (raw) => (raw === undefined ? undefined : portNumber('grpcPort', 'grpc port')(raw)),
  },
  logLevel: {
    env: 'MLOOP_LOG_LEVEL',
    flag: '--log-level',
    description: 'log level',
    shownDefault: '`info`',
    fallback: () => 'info',
    parse: text,
  },
  url: {
    env: 'MLOOP_URL',
    flag: '--url',
    description: 'server for the CLI/SDK',
    shownDefault: 'embedded',
    parse: optionalText,
  },
  token: {
    env: 'MLOOP_TOKEN',
    description: 'token the CLI/SDK send',
    shownDefault: 'none (to a loopback server: `local-admin-token` in the home)',
    parse: optionalText,
  },
  user: {
    env: 'MLOOP_USER',
    description: 'who the embedded CLI acts as (audit log, promotion requests)',
    shownDefault: 'the OS user',
    parse: optionalText,
  },
  bodyLimitBytes: {
    env: 'MLOOP_BODY_LIMIT_BYTES',
    description: 'largest upload (bytes)',
    shownDefault: '64 MiB',
    fallback: () => 64 * 1024 * 1024,
    parse: (raw) => Number(raw),
  },
  jsonBodyLimitBytes: {
    env: 'MLOOP_JSON_BODY_LIMIT_BYTES',
    description: 'largest JSON body (bytes)',
    shownDefault: '16 MiB',
    fallback: () => 16 * 1024 * 1024,
    parse: wholeNumber(
      'jsonBodyLimitBytes',
      1,
      () => 'jsonBodyLimitBytes must be a positive whole number of bytes',
    ),
  },
  rolloutIntervalMs: {
    env: 'MLOOP_ROLLOUT_INTERVAL_MS',
    description: 'rollout judging interval (ms)',
    shownDefault: '`10000`',
    fallback: () => 10_000,
    parse: wholeNumber(
      'rolloutIntervalMs',
      1,
      (value) => `rolloutIntervalMs must be a positive whole number of milliseconds, got ${String(value)}`,
    ),
  },
  alertIntervalMs: {
    env: 'MLOOP_ALERT_INTERVAL_MS',
    description: 'alert rule evaluation interval (ms, 0 off)',
    shownDefault: '`60000`',
    fallback: () => 60_000,
    parse: wholeNumber(
      'alertIntervalMs',
      0,
      (value) =>
        `alertIntervalMs must be a whole number of milliseconds (0 turns alert evaluation off), got ${String(value)}`,
    ),
  },
  pipelineLeaseMs: {
    env: 'MLOOP_PIPELINE_LEASE_MS',
    description: "time a pipeline run outlives its server's last heartbeat before another fails it (ms)",
    shownDefault: '`60000`',
    fallback: () => 60_000,
    parse: wholeNumber(
      'pipelineLeaseMs',
      100,
      (value) => `pipelineLeaseMs must be a whole number of milliseconds, at least 100, got ${String(value)}`,
    ),
  },
  auth: {
    env: 'MLOOP_AUTH',
    flag: '--auth on|off|auto',
    description: 'tokens required',
    shownDefault: '`auto` (on unless listening on loopback)',
    fallback: () => 'auto',
    parse: (raw) => {
      const auth = String(raw);
      if (auth !== 'on' && auth !== 'off' && auth !== 'auto')
        throw invalidParameter('auth', `auth must be on, off or auto, got '${auth}'`);
      return auth;
    },
  },
  protectedAliases: {
    env: 'MLOOP_PROTECTED_ALIASES',
    description: 'protected aliases',
    shownDefault: '`production,champion`',
    fallback: () => ['production', 'champion'],
    parse: listOf,
  },
  fourEyes: {
    env: 'MLOOP_FOUR_EYES',
    description: 'second maintainer for protected aliases',
    shownDefault: '`false`',
    fallback: () => 'false',
    parse: flag,
  },
  rateLimitPerMinute: {
    env: 'MLOOP_RATE_LIMIT_PER_MINUTE',
    description:
      'requests per minute per token (per address without one); with `MLOOP_REDIS_URL`, shared by all servers of one store',
    shownDefault: '`6000` (0 off)',
    fallback: () => 6000,
    parse: wholeNumber(
      'rateLimitPerMinute',
      0,
      () => 'rateLimitPerMinute must be a whole number (0 turns it off)',
    ),
  },
  allowedOrigins: {
    env: 'MLOOP_ALLOWED_ORIGINS',
    flag: '--allowed-origins',
    description: 'other browser origins allowed (CORS)',
    shownDefault: 'none (CORS off)',
    parse: (raw) => listOf(raw).map((o) => o.replace(/\/+$/, '').toLowerCase()),
  },
  allowedHosts: {
    env: 'MLOOP_ALLOWED_HOSTS',
    flag: '--allowed-hosts',
    description: 'extra `Host` names accepted (`.example.com`, `*` any)',
    shownDefault: 'none: listen address, localhost, 127.0.0.1',
    parse: (raw) => listOf(raw).map((h) => h.toLowerCase()),
  },
  webhookAllowedHosts: {
    env: 'MLOOP_WEBHOOK_ALLOWED_HOSTS',
    description: 'loopback or private hosts alert webhooks may reach',
    shownDefault: 'none: public addresses only',
    parse: listOf,
  },
  predictionRetention: {
    env: 'MLOOP_PREDICTION_RETENTION',
    description:
      'prediction log kept per model, by age, size and rows, `[MODEL=]LIMIT[:LIMIT]` rules (`90d:10GB,churn=7d:1Mrows`); labelled predictions stay',
    shownDefault: 'everything',
    parse: (raw) => retentionRules(raw, 'predictionRetention', true),
  },
  alertRetention: {
    env: 'MLOOP_ALERT_RETENTION',
    description:
      "resolved alerts kept, by age, `[MODEL=]AGE` rules (`90d,churn=30d`); firing alerts and each rule's newest stay",
    shownDefault: 'everything',
    parse: (raw) => retentionRules(raw, 'alertRetention', false),
  },
  auditRetention: {
    env: 'MLOOP_AUDIT_RETENTION',
    description:
      'audit log entries kept, by age (`365d`); the chain stays verifiable from a sealed checkpoint',
    shownDefault: 'everything',
    parse: (raw) => retentionAge(raw, 'auditRetention'),
  },
  pipelineLogRetention: {
    env: 'MLOOP_PIPELINE_LOG_RETENTION',
    description: 'step logs of finished pipeline runs kept, by age of the run (`30d`)',
    shownDefault: 'everything',
    parse: (raw) => retentionAge(raw, 'pipelineLogRetention'),
  },
  piiHashKey: {
    env: 'MLOOP_PII_HASH_KEY',
    description:
      "key hashing personal values in the prediction log and sealing the audit log's head (the same on every server of one database)",
    shownDefault: 'generated once into the home',
    parse: optionalText,
  },
  redisUrl: {
    env: 'MLOOP_REDIS_URL',
    flag: '--redis',
    description: 'Redis for pipeline workers',
    shownDefault: 'none (steps run on the server, TypeScript ones in child processes)',
    parse: optionalText,
  },
  python: {
    env: 'MLOOP_PYTHON',
    description:
      'Python interpreter that converts MLflow scikit-learn, XGBoost and LightGBM models to ONNX (needs mlflow, skl2onnx, onnxruntime, onnxmltools) and serves MLflow models without ONNX (needs mlflow), and the base of the environments `virtualenv` builds',
    shownDefault: '`python3`',
    fallback: () => 'python3',
    parse: text,
  },
  pythonEnvManager: {
    env: 'MLOOP_PYTHON_ENV_MANAGER',
    flag: '--python-env-manager local|virtualenv',
    description:
      "how a Python-served model's environment is made: `local` uses the interpreter as it is, `virtualenv` builds one per requirements hash under the home from the model's `requirements.txt`",
    shownDefault: '`local`',
    fallback: () => 'local',
    parse: (raw) => {
      const manager = String(raw);
      if (manager !== 'local' && manager !== 'virtualenv')
        throw invalidParameter(
          'pythonEnvManager',
          `pythonEnvManager must be local or virtualenv, got '${manager}'`,
        );
      return manager;
    },
  },
  pythonWorkers: {
    env: 'MLOOP_PYTHON_WORKERS',
    flag: '--python-workers <count>',
    description: 'Python worker processes per served Python model version',
    shownDefault: '`2`',
    fallback: () => 2,
    parse: wholeNumber(
      'pythonWorkers',
      1,
      (value) => `pythonWorkers must be a whole number of at least 1, got ${String(value)}`,
    ),
  },
  queue: {
    env: 'MLOOP_QUEUE',
    flag: '--queue',
    description: 'queue pipeline steps go through on that Redis',
    shownDefault: '`mloop-pipeline-steps`',
    parse: optionalText,
  },
};
