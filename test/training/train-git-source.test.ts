import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitSourceTags } from '../../src/tracking/git-source.js';
import { runMloop } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

function gitRepo(): { dir: string; commit: string } {
  const dir = tempDir('mloop-git-');
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd: dir,
      encoding: 'utf8',
    }).trim();
  git('init', '-q');
  writeFileSync(join(dir, '.gitignore'), '.mloop/\n');
  const rows = Array.from({ length: 80 }, (_, i) => `${i % 10},${(i * 7) % 13},${i % 10 > 4 ? 'yes' : 'no'}`);
  writeFileSync(join(dir, 'train.csv'), ['a,b,label', ...rows].join('\n') + '\n');
  git('add', '.');
  git('commit', '-q', '-m', 'data');
  return { dir, commit: git('rev-parse', 'HEAD') };
}

describe('the code a model was trained from', { timeout: 120_000 }, () => {
  it('records the git commit, and whether the tree had changes, outside a repository nothing', () => {
    const { dir, commit } = gitRepo();
    expect(gitSourceTags(dir)).toEqual([
      { key: 'mlflow.source.git.commit', value: commit },
      { key: 'mloop.source.git.dirty', value: 'false' },
    ]);
    writeFileSync(join(dir, 'new.py'), 'print(1)\n');
    expect(gitSourceTags(dir)).toContainEqual({ key: 'mloop.source.git.dirty', value: 'true' });
    expect(gitSourceTags(tempDir('mloop-no-git-'))).toEqual([]);
  });

  it('puts the commit mloop train ran from into the model version lineage', async () => {
    const { dir, commit } = gitRepo();
    const mloop = (args: string[]) => runMloop(dir, args, { home: join(dir, '.mloop') });
    const trained = await mloop([
      ...['train', '--data', 'train.csv', '--label', 'label', '--model', 'logistic'],
      ...['--register', 'clean', '--json'],
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    const lineage = await mloop(['lineage', 'model-version', 'clean/1']);
    expect(lineage.stdout).toContain(commit);
  });
});
