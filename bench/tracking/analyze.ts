import Database from 'better-sqlite3';
import { databaseFile, type BenchServer } from './servers.js';
import { elapsedMs } from './stats.js';

/**
 * Runs SQLite's ANALYZE on a server's database, from a second connection while the server runs.
 * Neither server gathers statistics by itself; without them SQLite may plan MLflow's metric
 * ordering as a nested scan. Opt-in (BENCH_ANALYZE=1), to show what a tuned database gives.
 */
export function analyzeDatabase(server: BenchServer): number {
  const start = process.hrtime.bigint();
  const db = new Database(databaseFile(server.name, server.dataDir), { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 60000');
    db.exec('ANALYZE');
  } finally {
    db.close();
  }
  return elapsedMs(start) / 1000;
}
