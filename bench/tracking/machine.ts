import { execFileSync } from 'node:child_process';
import { cpus, freemem, loadavg, release, totalmem, type } from 'node:os';
import { fileURLToPath } from 'node:url';

/** Where the figures were measured: they only compare within one machine. */
export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  freeMemoryGiB: number;
  os: string;
  node: string;
  /** The commit the mloop server was built from, "+changes" when src/ differs from it. */
  mloopCommit: string;
  mlflowVersion: string | undefined;
  /**
   * 1-minute load averages when the benchmark started and ended: other work on the machine
   * competes with the servers and the load generator, and skews the figures.
   */
  loadAverage: { start: number; end: number };
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

function git(args: string[]): string {
  try {
    return execFileSync('git', args, {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return '';
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function describeMachine(mlflowVersion: string | undefined, loadAtStart: number[]): MachineInfo {
  const commit = git(['rev-parse', '--short', 'HEAD']) || 'unknown';
  const changed = git(['status', '--porcelain', '--', 'src']) !== '';
  const gib = (bytes: number) => Math.round((bytes / 2 ** 30) * 10) / 10;
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: gib(totalmem()),
    freeMemoryGiB: gib(freemem()),
    os: `${type()} ${release()}`,
    node: process.version,
    mloopCommit: changed ? `${commit}+changes` : commit,
    mlflowVersion,
    loadAverage: { start: round2(loadAtStart[0] ?? 0), end: round2(loadavg()[0] ?? 0) },
  };
}
