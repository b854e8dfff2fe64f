import type { LiveStats } from '../../sdk/deployments.js';
import type { ArmStats, Deployment, DeploymentEvent } from '../../serving/deployments/types.js';
import { renderFields, renderTable } from '../format/table.js';
import { formatNumber, formatTime } from '../format/values.js';

/** Deployments one per line. */
export function renderDeploymentsTable(items: Deployment[]): string {
  return renderTable(
    ['NAME', 'MODEL', 'PRIMARY', 'CANDIDATE', 'MODE', 'SHARE', 'ROLLOUT', 'STATUS'],
    items.map((d) => [
      d.name,
      d.model,
      d.primary,
      d.candidate?.version ?? '-',
      d.candidate?.mode ?? '-',
      d.candidate ? `${formatNumber(d.candidate.percent)}%` : '-',
      rolloutSummary(d),
      d.status === 'rolled_back' ? 'rolled back' : 'active',
    ]),
    { align: ['left', 'left', 'left', 'left', 'left', 'right', 'left', 'left'] },
  );
}

/** One deployment: fields, the rollout's plan, live statistics and recent history. */
export function renderDeployment(
  d: Deployment,
  stats: LiveStats | undefined,
  events: DeploymentEvent[],
): string {
  const sections = [
    renderFields([
      ['name', d.name],
      ['model', d.model],
      ['primary', d.primary],
      [
        'candidate',
        d.candidate
          ? `${d.candidate.version} (${d.candidate.mode}, ${formatNumber(d.candidate.percent)}%)`
          : '-',
      ],
      ['status', d.status === 'rolled_back' ? 'rolled back' : 'active'],
      ['rollout', rolloutSummary(d)],
      ['description', d.description ?? '-'],
      ['created', formatTime(d.createdTime)],
      ['updated', formatTime(d.updatedTime)],
    ]),
  ];
  if (d.rollout) {
    const { plan } = d.rollout;
    const bounds = Object.entries(plan.bounds)
      .map(([key, value]) => `${key}=${formatNumber(value as number)}`)
      .join(', ');
    sections.push(
      renderFields([
        ['steps', plan.steps.map((s, i) => (i === d.rollout?.stepIndex ? `[${s}%]` : `${s}%`)).join(' ')],
        [
          'per step',
          `at least ${plan.minRequests} requests and ${formatNumber(plan.minDurationMs / 1000)} s`,
        ],
        ['bounds', bounds || 'none'],
        ['step started', formatTime(d.rollout.stepStartedTime)],
        ...(d.rollout.reason ? ([['ended because', d.rollout.reason]] as [string, string][]) : []),
      ]),
    );
  }
  if (stats) {
    sections.push(
      renderTable(
        ['ARM', 'REQUESTS', 'ERRORS', 'ERROR RATE', 'P99 MS'],
        (['primary', 'candidate', 'shadow'] as const).map((arm) => armRow(arm, stats[arm])),
        { align: ['left', 'right', 'right', 'right', 'right'] },
      ) + `(since ${formatTime(stats.sinceTime)})\n`,
    );
  }
  if (events.length > 0) sections.push(renderHistory(events));
  return sections.join('\n');
}

/** History entries one per line, oldest first. */
export function renderHistory(events: DeploymentEvent[]): string {
  if (events.length === 0) return 'No history.\n';
  return renderTable(
    ['TIME', 'EVENT', 'SHARE', 'CANDIDATE', 'STATS', 'REASON'],
    events.map((e) => [
      formatTime(e.time),
      e.kind,
      e.fromPercent !== undefined || e.toPercent !== undefined
        ? `${formatNumber(e.fromPercent ?? 0)}% -> ${formatNumber(e.toPercent ?? 0)}%`
        : '-',
      e.candidateVersion ?? '-',
      e.stats ? statsSummary(e.stats.candidate) : '-',
      e.reason,
    ]),
    { maxCellWidth: 100 },
  );
}

function rolloutSummary(d: Deployment): string {
  const r = d.rollout;
  if (!r) return '-';
  const step = `step ${r.stepIndex + 1}/${r.plan.steps.length}`;
  return r.status === 'running' ? `running, ${step}` : r.status.replace('_', ' ');
}

function armRow(arm: string, s: ArmStats): string[] {
  const rate = s.requests > 0 ? `${formatNumber((s.errors / s.requests) * 100)}%` : '-';
  return [
    arm,
    String(s.requests),
    String(s.errors),
    rate,
    s.p99LatencyMs === undefined ? '-' : formatNumber(s.p99LatencyMs),
  ];
}

function statsSummary(s: ArmStats): string {
  const p99 = s.p99LatencyMs === undefined ? '-' : `${formatNumber(s.p99LatencyMs)}ms`;
  return `${s.requests} req, ${s.errors} err, p99 ${p99}`;
}
