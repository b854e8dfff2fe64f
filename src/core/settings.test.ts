import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, readSetting } from './config.js';
import { settings } from './settings.js';

const srcDir = new URL('..', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('settings declared once', () => {
  it('reads the pipeline queue, the acting user and the token through the loader', () => {
    const env = { MLOOP_QUEUE: 'steps-b', MLOOP_USER: 'ann', MLOOP_TOKEN: 'mlp_x' };
    expect(loadConfig({}, env, '/srv')).toMatchObject({ queue: 'steps-b', user: 'ann', token: 'mlp_x' });
    expect(loadConfig({ queue: 'from-flag' }, env, '/srv').queue).toBe('from-flag');
    expect(loadConfig({}, {}, '/srv')).toMatchObject({ queue: undefined, user: undefined, token: undefined });
  });

  it('reads one setting alone, even when another one is invalid', () => {
    const env = { MLOOP_TOKEN: 'mlp_y', MLOOP_PORT: 'not-a-port' };
    expect(() => loadConfig({}, env, '/srv')).toThrow(/port must be an integer/);
    expect(readSetting('token', env, '/srv')).toBe('mlp_y');
  });

  it('reads the gRPC port from MLOOP_GRPC_PORT, the flag winning, and none by default', () => {
    expect(loadConfig({}, { MLOOP_GRPC_PORT: '9001' }, '/srv').grpcPort).toBe(9001);
    expect(loadConfig({ grpcPort: 0 }, { MLOOP_GRPC_PORT: '9001' }, '/srv').grpcPort).toBe(0);
    expect(loadConfig({}, {}, '/srv').grpcPort).toBeUndefined();
    expect(() => loadConfig({}, { MLOOP_GRPC_PORT: '1.5' }, '/srv')).toThrow(/grpc port must be an integer/);
  });

  it('gives every setting its own MLOOP_ variable', () => {
    const names = Object.values(settings).map((s) => s.env);
    expect(new Set(names).size).toBe(names.length);
  });

  it('leaves no MLOOP_ variable read outside the config loader', () => {
    // A read is `process.env.MLOOP_X` or `env.MLOOP_X` not followed by an assignment.
    const reads = /\b(?:process\.)?env(?:\.|\[['"])(MLOOP_[A-Z0-9_]+)(?![A-Z0-9_])(?!['"]?\]?\s*=[^=])/g;
    const offenders = sourceFiles(srcDir)
      .filter((file) => !file.endsWith(join('core', 'config.ts')))
      .flatMap((file) =>
        [...readFileSync(file, 'utf8').matchAll(reads)].map((m) => `${relative(srcDir, file)}: ${m[1]}`),
      );
    expect(offenders).toEqual([]);
  });
});
