import type { Kysely } from 'kysely';
import { noAuditTrail, type AuditTrail } from '../core/audit-trail.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/events.js';
import type { ArtifactStore } from '../store/artifacts/artifact-store.js';
import type { LoggedModelService } from '../tracking/logged-models.js';
import type { RunService } from '../tracking/runs.js';
import { AliasService } from './aliases.js';
import { ModelConversions } from './conversion/model-conversions.js';
import { OnnxConverter } from './conversion/onnx-converter.js';
import { GateService } from './gates/gate-service.js';
import type { GateTables } from './gates/types.js';
import { parseModelRef, type ModelRef } from './model-ref.js';
import { ModelSources } from './model-source.js';
import { ModelVersionService } from './model-versions.js';
import { RegisteredModelService } from './registered-models.js';
import type { RegistryTables } from './tables.js';
import type { ModelVersion } from './types.js';

export interface RegistryDependencies {
  db: Kysely<RegistryTables>;
  clock: Clock;
  events: EventBus;
  store: ArtifactStore;
  runs: RunService;
  loggedModels: LoggedModelService;
  /** Aliases a version reaches only with a passing gate report (default production, champion). */
  protectedAliases?: readonly string[] | undefined;
  /** Where registrations, alias moves, gates and deletions are recorded, whoever makes them. */
  audit?: AuditTrail | undefined;
  /**
   * The Python interpreter (MLOOP_PYTHON) that converts MLflow scikit-learn, XGBoost and LightGBM
   * models to ONNX on registration; without it they are registered unconverted.
   */
  python?: string | undefined;
}

/**
 * The model registry: registered models, their versions (with lineage), aliases and the history
 * of alias moves, and `resolve`, which turns a reference such as `churn@champion` into a version.
 */
export class RegistryService {
  readonly models: RegisteredModelService;
  readonly versions: ModelVersionService;
  readonly aliases: AliasService;
  /** Evaluation gates of models and their reports on versions; they guard protected aliases. */
  readonly gates: GateService;
  /** Retries of the ONNX conversion of MLflow models (`mloop models convert`). */
  readonly conversions: ModelConversions;

  constructor(deps: RegistryDependencies) {
    const audit = deps.audit ?? noAuditTrail;
    this.gates = new GateService(deps.db.withTables<GateTables>(), deps.clock, deps.protectedAliases, audit);
    this.aliases = new AliasService(deps.db, deps.clock, deps.events, this.gates, audit);
    this.models = new RegisteredModelService(deps.db, deps.clock, deps.store, this.aliases, audit);
    const sources = new ModelSources(deps.runs, deps.loggedModels, deps.store, (ref) => this.find(ref));
    const converter = deps.python ? new OnnxConverter(deps.store, deps.python) : undefined;
    this.versions = new ModelVersionService(
      deps.db,
      deps.clock,
      deps.events,
      deps.store,
      sources,
      deps.runs,
      deps.loggedModels,
      this.aliases,
      audit,
      converter,
    );
    this.conversions = new ModelConversions(
      deps.db,
      deps.clock,
      deps.events,
      deps.store,
      this.versions,
      converter,
      audit,
    );
  }

  /**
   * The version a reference names: `NAME@ALIAS`, `NAME/VERSION`, `NAME/latest`, each also with
   * MLflow's `models:/` prefix. Its `storagePath` is the store-relative directory of its files.
   */
  async resolve(ref: string): Promise<ModelVersion> {
    return this.find(parseModelRef(ref));
  }

  private async find(ref: ModelRef): Promise<ModelVersion> {
    if ('version' in ref) return this.versions.get(ref.name, ref.version);
    return this.aliases.getVersion(ref.name, 'alias' in ref ? ref.alias : 'latest');
  }
}
