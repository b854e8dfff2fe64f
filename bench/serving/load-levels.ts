import type { StartedProcess } from '../tracking/child-processes.js';
import { runLoad, type LoadResult, type LoadTarget } from './load.js';
import { processGroupCpuSeconds } from './process-cpu.js';

export interface LoadLevels {
  /** Concurrent keep-alive connections of each load level. */
  connections: readonly number[];
  warmupSeconds: number;
  seconds: number;
}

/**
 * Every target at every connection count, with the CPU of the server's whole process group (so
 * worker processes count); logs each level's figures as it goes.
 */
export async function loadEveryLevel(
  targets: LoadTarget[],
  levels: LoadLevels,
  server: StartedProcess,
  log: (message: string) => void,
): Promise<LoadResult[]> {
  const pgid = server.child.pid;
  const serverCpuSeconds = () => (pgid === undefined ? undefined : processGroupCpuSeconds(pgid));
  const results: LoadResult[] = [];
  for (const connections of levels.connections) {
    for (const target of targets) {
      const result = await runLoad(target, {
        connections,
        warmupSeconds: levels.warmupSeconds,
        seconds: levels.seconds,
        serverCpuSeconds,
      });
      log(
        `${target.label}, ${connections} connection${connections === 1 ? '' : 's'}: ${Math.round(result.requestsPerSecond)} req/s, ` +
          `p50 ${result.latencyMs.p50.toFixed(2)} ms, p99 ${result.latencyMs.p99.toFixed(2)} ms, ` +
          `server CPU ${result.cpu.serverMsPerRequest?.toFixed(3) ?? '-'} ms/request, ${result.failed} failed`,
      );
      results.push(result);
    }
  }
  return results;
}
