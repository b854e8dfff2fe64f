import { noAuditTrail, type AuditTrail } from '../../core/audit-trail.js';
import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../../core/clock.js';
import { invalidParameter } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { findModelRow, findVersionRow } from '../registry-loader.js';
import { lockModel } from '../promotions.js';
import type { RegisteredModelRow, RegistryTables } from '../tables.js';
import { checkModelName, checkVersion } from '../validation.js';
import {
  defaultProtectedAliases,
  gatePassedTag,
  type GateReport,
  type GateTables,
  type StoredGateReport,
} from './types.js';

type Tables = RegistryTables & GateTables;

/**
 * The gate each registered model is held to and the reports of gate runs on its versions. The
 * registry only stores them and says whether a protected alias may move: computing a report needs
 * the model scored, which is training's and serving's work (see `training/gates`).
 */
export class GateService {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly clock: Clock,
    private readonly protectedAliases: readonly string[] = defaultProtectedAliases,
    private readonly audit: AuditTrail = noAuditTrail,
  ) {}

  /** Holds a model to a gate (a parsed spec, stored as given); replaces any earlier gate. */
  async setGate(name: string, spec: Record<string, unknown>): Promise<void> {
    checkModelName(name);
    const now = this.clock.now();
    await this.db.transaction().execute(async (tx) => {
      const model = await lockModel(tx as unknown as Transaction<RegistryTables>, name, now);
      await tx
        .insertInto('model_gates')
        .values({
          registered_model_id: model.registered_model_id,
          model_name: model.name,
          spec: JSON.stringify(spec),
          created_time: now,
          updated_time: now,
        })
        .onConflict((oc) =>
          oc.column('registered_model_id').doUpdateSet({ spec: JSON.stringify(spec), updated_time: now }),
        )
        .execute();
    });
    await this.audit.record({
      kind: 'model',
      action: 'model.gate-set',
      objectKind: 'model',
      objectId: name,
      after: spec,
    });
  }

  /** The gate a model is held to, or undefined when it has none. */
  async getGate(name: string): Promise<Record<string, unknown> | undefined> {
    const model = await this.findModel(this.db, name);
    const row = await this.db
      .selectFrom('model_gates')
      .select('spec')
      .where('registered_model_id', '=', model.registered_model_id)
      .executeTakeFirst();
    return row ? (JSON.parse(row.spec) as Record<string, unknown>) : undefined;
  }

  /** Stores a report on a version and mirrors its outcome in the `mloop.gate.passed` tag. */
  async record(name: string, version: number, report: GateReport): Promise<StoredGateReport> {
    checkModelName(name);
    checkVersion(version);
    const now = this.clock.now();
    const id = newId('gate');
    await this.db.transaction().execute(async (tx) => {
      const model = await lockModel(tx as unknown as Transaction<RegistryTables>, name, now);
      await findVersionRow(tx as unknown as Transaction<RegistryTables>, model, version);
      await tx
        .insertInto('gate_reports')
        .values({
          id,
          registered_model_id: model.registered_model_id,
          model_name: model.name,
          version,
          passed: report.passed ? 1 : 0,
          report: JSON.stringify(report),
          created_time: now,
        })
        .execute();
      const value = String(report.passed);
      await tx
        .insertInto('model_version_tags')
        .values({ registered_model_id: model.registered_model_id, version, key: gatePassedTag, value })
        .onConflict((oc) => oc.columns(['registered_model_id', 'version', 'key']).doUpdateSet({ value }))
        .execute();
    });
    await this.audit.record({
      kind: 'model',
      action: 'model.gate-report',
      objectKind: 'model',
      objectId: name,
      after: { version, passed: report.passed, report: id },
    });
    return { ...report, id, name, version, time: now };
  }

  /** A version's reports, newest first. */
  async reports(name: string, version: number): Promise<StoredGateReport[]> {
    checkVersion(version);
    const model = await this.findModel(this.db, name);
    const rows = await this.db
      .selectFrom('gate_reports')
      .selectAll()
      .where('registered_model_id', '=', model.registered_model_id)
      .where('version', '=', version)
      .orderBy('created_time', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map((row) => ({
      ...(JSON.parse(row.report) as GateReport),
      id: row.id,
      name: row.model_name,
      version: Number(row.version),
      time: Number(row.created_time),
    }));
  }

  /**
   * Why `alias` may not move to `version`, or undefined when it may: only protected aliases are
   * guarded; a version whose latest report failed is blocked, and so is one with no report when
   * the model has a gate. Read inside the alias move's transaction, after the model row is locked.
   */
  async blockReason(
    tx: Kysely<RegistryTables>,
    model: RegisteredModelRow,
    alias: string,
    version: number,
  ): Promise<string | undefined> {
    if (!this.protectedAliases.includes(alias)) return undefined;
    const db = tx.withTables<GateTables>();
    const latest = await db
      .selectFrom('gate_reports')
      .select(['report', 'passed'])
      .where('registered_model_id', '=', model.registered_model_id)
      .where('version', '=', version)
      .orderBy('created_time', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    if (latest) {
      if (Number(latest.passed) === 1) return undefined;
      const report = JSON.parse(latest.report) as GateReport;
      const failed = report.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.reason}`);
      return `version ${version} of '${model.name}' failed its evaluation gate (${failed.join('; ')})`;
    }
    const gate = await db
      .selectFrom('model_gates')
      .select('registered_model_id')
      .where('registered_model_id', '=', model.registered_model_id)
      .executeTakeFirst();
    return gate
      ? `version ${version} of '${model.name}' has no evaluation gate report and the model has a gate: run \`mloop models gate ${model.name}/${version} --holdout FILE\` first`
      : undefined;
  }

  private async findModel(_db: Kysely<Tables>, name: string): Promise<RegisteredModelRow> {
    checkModelName(name);
    return findModelRow(this.db as unknown as Kysely<RegistryTables>, name);
  }
}

/** The reason a forced move records: the user's own, plus the gate it overrode. */
export function forcedReason(reason: string | undefined, blocked: string): string {
  if (!reason || reason.trim() === '') {
    throw invalidParameter(
      'reason',
      'a forced promotion past a failed gate needs a reason: give --reason "…"',
    );
  }
  return `${reason} [forced past gate: ${blocked}]`;
}
