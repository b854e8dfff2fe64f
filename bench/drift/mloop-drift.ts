/**
 * mloop's drift report on the benchmark's Parquet files, in its own process so that its peak RSS
 * is its own. Usage: node --import tsx mloop-drift.ts REFERENCE CURRENT OUT_JSON
 */
import { writeFileSync } from 'node:fs';
import { computeDriftReport } from '../../src/monitoring/drift/index.js';

const [referencePath, currentPath, outPath] = process.argv.slice(2);
if (!referencePath || !currentPath || !outPath) {
  throw new Error('usage: mloop-drift.ts REFERENCE CURRENT OUT_JSON');
}

const cpuBefore = process.cpuUsage();
const started = performance.now();
const report = await computeDriftReport({
  reference: { file: referencePath },
  current: { file: currentPath },
});
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);

writeFileSync(
  outPath,
  JSON.stringify({
    reportSeconds: seconds,
    reportCpuSeconds: (cpu.user + cpu.system) / 1e6,
    // resourceUsage().maxRSS is in KiB.
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    driftedCount: report.driftedColumns,
    columns: report.columns.map((c) => ({
      name: c.name,
      method: c.test,
      statistic: c.pValue ?? c.statistic,
      threshold: c.threshold,
      drifted: c.drifted,
    })),
  }),
);
