import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('mloop.config.json', () => {
  const dirs: string[] = [];
  const withConfigFile = (settings: unknown): string => {
    const dir = mkdtempSync(join(tmpdir(), 'mloop-config-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'mloop.config.json'), JSON.stringify(settings));
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('reads the keys it knows', () => {
    const dir = withConfigFile({ home: 'state', port: 6060 });
    expect(loadConfig({}, {}, dir)).toMatchObject({ home: join(dir, 'state'), port: 6060 });
  });

  it('rejects an unknown key, naming it, the closest known key and every known key', () => {
    const dir = withConfigFile({ hmoe: 'state' });
    expect(() => loadConfig({}, {}, dir)).toThrow(
      /unknown key 'hmoe' \(did you mean home\?\); the known keys are: home, databaseUrl, .*redisUrl/,
    );
  });

  it('names no guess when no known key is close', () => {
    const dir = withConfigFile({ telemetry: true });
    let message = '';
    try {
      loadConfig({}, {}, dir);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("unknown key 'telemetry'; the known keys are: home,");
    expect(message).not.toContain('did you mean');
  });

  it('rejects a file that is not an object of settings', () => {
    const dir = withConfigFile(['home']);
    expect(() => loadConfig({}, {}, dir)).toThrow(/must hold a JSON object of settings/);
  });
});

describe('artifact root', () => {
  it('keeps an s3:// URL as written and makes a directory absolute', () => {
    const env = { MLOOP_ARTIFACT_ROOT: 's3://bucket/some/prefix', MLOOP_S3_FORCE_PATH_STYLE: 'true' };
    expect(loadConfig({}, env, '/srv')).toMatchObject({
      artifactRoot: 's3://bucket/some/prefix',
      s3ForcePathStyle: true,
    });
    expect(loadConfig({ artifactRoot: 'arts' }, {}, '/srv')).toMatchObject({
      artifactRoot: '/srv/arts',
      s3ForcePathStyle: false,
    });
  });
});
