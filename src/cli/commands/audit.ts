import type { Command } from 'commander';
import { invalidParameter } from '../../core/errors.js';
import { changeKinds, defaultChangeKinds } from '../../core/audit-trail.js';
import type { AuditEntry } from '../../governance/audit.js';
import { kindOfAction, parseChangeKinds } from '../../governance/audit-kinds.js';
import { parseWindowLength } from '../../monitoring/window-spec.js';
import { print, printJson, trackingCommand, type CommonOptions } from '../command-context.js';
import { exitCodes } from '../exit-codes.js';
import { withGovernance } from '../governance-backend.js';
import { renderTable } from '../format/table.js';
import { formatTime } from '../format/values.js';

interface AuditOptions extends CommonOptions {
  kind?: string;
  actor?: string;
  object?: string;
  since?: string;
  until?: string;
  limit?: string;
}

/** `mloop audit` (filter and export the audit log) and `mloop audit verify` (check its hash chain). */
export function registerAuditCommand(program: Command): void {
  const audit = trackingCommand(
    program
      .command('audit')
      .description('The audit log of every change and refused attempt: filter, export, verify its hash chain')
      .option(
        '--kind <kinds>',
        `kinds of change, comma-separated, or all (${changeKinds.join(', ')}); default: ${defaultChangeKinds.join(',')}, leaving out high-volume tracking writes (runs, metrics) and monitoring`,
      )
      .option('--actor <user>', 'only entries by this user (`anonymous` without auth)')
      .option('--object <object>', 'only entries about KIND/ID (model/churn, run/abc…) or a KIND')
      .option('--since <time>', 'from this time: an ISO date or a length of time back (24h, 7d)')
      .option('--until <time>', 'before this time: an ISO date or a length of time back')
      .option('--limit <n>', 'at most this many entries'),
    [
      'mloop audit --since 24h',
      'mloop audit --kind model,alias --since 7d',
      'mloop audit --kind all --actor ci-bot         # with run and metric writes',
      'mloop audit --object model/churn --json > churn-audit.json',
      'mloop audit --actor alice --since 2026-01-01',
      'mloop audit verify',
    ],
  );
  audit.action(async (opts: AuditOptions) => {
    await withGovernance(opts, async (ops) => {
      const now = Date.now();
      const limit = opts.limit === undefined ? undefined : Number(opts.limit);
      if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
        throw invalidParameter('limit', `--limit must be a positive whole number, got "${opts.limit}"`);
      const entries = await ops.audit({
        kinds: opts.kind === undefined ? defaultChangeKinds : parseChangeKinds(opts.kind),
        actor: opts.actor,
        object: opts.object,
        since: opts.since === undefined ? undefined : timeOf(opts.since, now, 'since'),
        until: opts.until === undefined ? undefined : timeOf(opts.until, now, 'until'),
        limit,
      });
      if (opts.json) return printJson(entries);
      print(
        renderTable(
          ['SEQ', 'TIME', 'KIND', 'ACTOR', 'ACTION', 'OUTCOME', 'REQUEST', 'OBJECT'],
          entries.map(row),
        ),
      );
    });
  });

  trackingCommand(
    audit
      .command('verify')
      .description('Check the hash chain; exit 1 naming the first altered or missing entry'),
    ['mloop audit verify', 'mloop audit verify --json'],
  ).action(async (opts: CommonOptions) => {
    await withGovernance(opts, async (ops) => {
      const result = await ops.verifyAudit();
      if (opts.json) printJson(result);
      else if (result.ok)
        print(
          `audit log intact: ${result.entries} entries${
            result.checkpoint
              ? ` from entry ${result.checkpoint.seq + 1} (retention removed those before it on ${formatTime(result.checkpoint.time)}; the chain is verified from its sealed checkpoint)`
              : ''
          }`,
        );
      else
        print(
          `audit log TAMPERED at entry ${result.firstBadSeq}: ${result.reason} (${result.entries} entries)`,
        );
      if (!result.ok) process.exitCode = exitCodes.failure;
    });
  });
}

function row(e: AuditEntry): string[] {
  const object = e.objectKind ? `${e.objectKind}/${e.objectId ?? ''}` : '';
  return [
    String(e.seq),
    formatTime(e.time),
    e.kind ?? kindOfAction(e.action),
    e.actor,
    e.action,
    e.outcome,
    // Entries a service recorded outside HTTP carry the way in (cli, pipeline, system) alone.
    [e.method, e.path, e.status > 0 ? String(e.status) : ''].filter((x) => x !== '').join(' '),
    object,
  ];
}

function timeOf(text: string, now: number, field: string): number {
  if (/^\d+(\.\d+)?\s*(ms|s|m|h|d|w)$/.test(text.trim())) return now - parseWindowLength(text, field);
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw invalidParameter(
      field,
      `--${field} must be an ISO date or a length of time like 24h, got "${text}"`,
    );
  return ms;
}
