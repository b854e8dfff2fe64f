import { spawnSync } from 'node:child_process';
import type { Tag } from './types.js';

/** Run tags that carry a run's source-code provenance (MLflow's keys, so its UI shows them too). */
export const gitCommitTag = 'mlflow.source.git.commit';
export const gitRemoteTag = 'mlflow.source.git.repoURL';
/** `true` when the working tree had uncommitted changes: the commit alone does not name the code. */
export const gitDirtyTag = 'mloop.source.git.dirty';

/**
 * The git commit of the code in `dir` as run tags, as the MLflow client records them for Python
 * runs: the commit, the origin remote when there is one, and whether the tree had changes. Outside
 * a repository (or without git) there is nothing to record, and nothing fails.
 */
export function gitSourceTags(dir: string): Tag[] {
  const git = (...args: string[]) => {
    const result = spawnSync('git', args, { cwd: dir, encoding: 'utf8', timeout: 5000 });
    return result.status === 0 ? result.stdout.trim() : undefined;
  };
  const commit = git('rev-parse', 'HEAD');
  if (!commit || !/^[0-9a-f]{40,64}$/.test(commit)) return [];
  const remote = git('remote', 'get-url', 'origin');
  // Untracked files count: a new train.py next to the pipeline is code the commit does not have.
  const dirty = (git('status', '--porcelain') ?? '') !== '';
  return [
    { key: gitCommitTag, value: commit },
    ...(remote ? [{ key: gitRemoteTag, value: remote }] : []),
    { key: gitDirtyTag, value: String(dirty) },
  ];
}
