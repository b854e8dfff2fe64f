import { noAuditTrail, type AuditTrail } from '../../core/audit-trail.js';
import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import { alreadyExists, MloopError, notFound } from '../../core/errors.js';
import type { EventBus } from '../../core/events.js';
import { toDeployment, toDeploymentEvent, toEventRow, toRow } from './deployment-rows.js';
import type { ModelVersions } from './model-versions.js';
import {
  candidateChange,
  clearCandidateChange,
  rollBackChange,
  type CandidateInput,
  type Change,
} from './deployment-changes.js';
import type { DeploymentTables } from './tables.js';
import type { Deployment, DeploymentEvent } from './types.js';
import { checkDeploymentName, checkDescription, checkModelName, checkVersionRef } from './validation.js';

export interface CreateDeploymentInput {
  name: string;
  /** The registered model both arms serve versions of. */
  model: string;
  /** Alias or version number of the primary arm; `production` when omitted. */
  primary?: string | undefined;
  description?: string | undefined;
  candidate?: CandidateInput | undefined;
}

export interface UpdateDeploymentInput {
  primary?: string | undefined;
  description?: string | undefined;
}

export interface ListEventsInput {
  /** Only events with a larger id (for polling). */
  afterId?: number | undefined;
  /** At most this many, oldest first; 1000 by default. */
  maxResults?: number | undefined;
}

/** Options of one change: who expects which revision, and why. */
export interface ChangeOptions {
  /** Fail with INVALID_STATE unless the deployment is still at this revision. */
  expectedRevision?: number | undefined;
  reason?: string | undefined;
}

/**
 * Deployments: named serving targets of one registered model, with a primary arm and an
 * optional candidate (canary, shadow or A/B), persisted with an append-only history. Every
 * change writes the new state and its history entry in one transaction, and checks the revision
 * it read so that two writers (a person and the rollout controller) never overwrite each other.
 */
export class DeploymentService {
  constructor(
    private readonly db: Kysely<DeploymentTables>,
    private readonly clock: Clock,
    private readonly events: EventBus,
    /** The registry; without it versions are not checked and promotion pins the primary. */
    readonly versions: ModelVersions | undefined = undefined,
    private readonly audit: AuditTrail = noAuditTrail,
  ) {}

  /** Creates a deployment; its name must be unused. Versions are checked against the registry. */
  async create(input: CreateDeploymentInput): Promise<Deployment> {
    const name = checkDeploymentName(input.name);
    const model = checkModelName(input.model);
    const primary = checkVersionRef(input.primary ?? 'production', 'primary');
    const description = checkDescription(input.description);
    const now = this.clock.now();
    let deployment: Deployment = {
      name,
      model,
      primary,
      status: 'active',
      createdTime: now,
      updatedTime: now,
      revision: 1,
      ...(description !== undefined ? { description } : {}),
    };
    const primaryVersion = await this.requireVersion(model, primary, 'primary');
    let candidateEvent: Change | undefined;
    if (input.candidate) {
      const candidateVersion = await this.requireVersion(model, input.candidate.version, 'candidate.version');
      candidateEvent = candidateChange(input.candidate, 'set at creation')(deployment, now);
      candidateEvent.event.candidateVersion = candidateVersion;
      deployment = { ...candidateEvent.next, revision: 1 };
    }
    await this.db.transaction().execute(async (tx) => {
      const existing = await tx
        .selectFrom('deployments')
        .select('name')
        .where('name', '=', name)
        .executeTakeFirst();
      if (existing) throw alreadyExists(`Deployment '${name}' already exists.`);
      await tx.insertInto('deployments').values(toRow(deployment)).execute();
      const created = {
        deployment: name,
        time: now,
        kind: 'created' as const,
        reason: `serving ${model}@${primary}`,
        ...(primaryVersion ? { primaryVersion } : {}),
      };
      await tx.insertInto('deployment_events').values(toEventRow(created)).execute();
      if (candidateEvent)
        await tx.insertInto('deployment_events').values(toEventRow(candidateEvent.event)).execute();
    });
    this.events.emit('deployment.changed', { name, kind: 'created' });
    await this.audit.record({
      kind: 'deployment',
      action: 'deployment.created',
      objectKind: 'deployment',
      objectId: name,
      after: {
        model,
        primary,
        ...(primaryVersion ? { primaryVersion } : {}),
        candidate: input.candidate?.version,
      },
    });
    return deployment;
  }

  async get(name: string): Promise<Deployment> {
    const row = await this.db
      .selectFrom('deployments')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row) throw notFound(`No deployment named '${name}'`);
    return toDeployment(row);
  }

  /** Every deployment, by name. */
  async list(): Promise<Deployment[]> {
    const rows = await this.db.selectFrom('deployments').selectAll().orderBy('name').execute();
    return rows.map(toDeployment);
  }

  /** Deployments whose rollout is running: the ones the rollout controller looks after. */
  async listRollingOut(): Promise<Deployment[]> {
    const rows = await this.db
      .selectFrom('deployments')
      .selectAll()
      .where('rollout_status', '=', 'running')
      .orderBy('name')
      .execute();
    return rows.map(toDeployment);
  }

  /** Changes the primary arm's reference or the description. */
  async update(name: string, input: UpdateDeploymentInput, options: ChangeOptions = {}): Promise<Deployment> {
    const current = await this.get(name);
    const primary = input.primary === undefined ? undefined : checkVersionRef(input.primary, 'primary');
    const description = checkDescription(input.description);
    const primaryVersion = primary ? await this.requireVersion(current.model, primary, 'primary') : undefined;
    return this.change(
      name,
      (d, now) => {
        const next: Deployment = { ...d, updatedTime: now };
        if (primary !== undefined) next.primary = primary;
        if (description !== undefined) next.description = description;
        const what =
          primary !== undefined && primary !== d.primary ? `primary ${d.primary} -> ${primary}` : 'updated';
        return {
          next,
          event: {
            deployment: name,
            time: now,
            kind: 'updated',
            reason: options.reason ?? what,
            ...(primaryVersion ? { primaryVersion } : {}),
          },
        };
      },
      options,
    );
  }

  /** Deletes a deployment; its history stays readable. */
  async delete(name: string, options: ChangeOptions = {}): Promise<void> {
    const now = this.clock.now();
    await this.db.transaction().execute(async (tx) => {
      let query = tx.deleteFrom('deployments').where('name', '=', name);
      if (options.expectedRevision !== undefined)
        query = query.where('revision', '=', options.expectedRevision);
      const result = await query.executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) {
        const exists = await tx
          .selectFrom('deployments')
          .select('name')
          .where('name', '=', name)
          .executeTakeFirst();
        throw exists ? conflict(name) : notFound(`No deployment named '${name}'`);
      }
      const event = {
        deployment: name,
        time: now,
        kind: 'deleted' as const,
        reason: options.reason ?? 'deleted',
      };
      await tx.insertInto('deployment_events').values(toEventRow(event)).execute();
    });
    this.events.emit('deployment.changed', { name, kind: 'deleted' });
    await this.audit.record({
      kind: 'deployment',
      action: 'deployment.deleted',
      objectKind: 'deployment',
      objectId: name,
      ...(options.reason ? { after: { reason: options.reason } } : {}),
    });
  }

  /** Sets (or replaces) the candidate arm. Refused while a rollout runs: abort it first. */
  async setCandidate(name: string, input: CandidateInput, options: ChangeOptions = {}): Promise<Deployment> {
    const current = await this.get(name);
    const version = checkVersionRef(input.version, 'candidate.version');
    const candidateVersion = await this.requireVersion(current.model, version, 'candidate.version');
    return this.change(
      name,
      (d, now) => {
        const change = candidateChange({ ...input, version }, options.reason)(d, now);
        if (candidateVersion) change.event.candidateVersion = candidateVersion;
        return change;
      },
      options,
    );
  }

  /** Removes the candidate arm: the primary answers everything. Refused while a rollout runs. */
  async clearCandidate(name: string, options: ChangeOptions = {}): Promise<Deployment> {
    return this.change(name, clearCandidateChange(options.reason), options);
  }

  /**
   * Pulls the candidate: its share drops to 0, a running rollout stops as `rolled_back` and the
   * deployment is marked `rolled_back` until a new candidate is set.
   */
  async rollBack(
    name: string,
    options: ChangeOptions & { stats?: DeploymentEvent['stats'] } = {},
  ): Promise<Deployment> {
    return this.change(name, rollBackChange(options.reason ?? 'rolled back by hand', options.stats), options);
  }

  /** A deployment's history, oldest first. */
  async listEvents(name: string, input: ListEventsInput = {}): Promise<DeploymentEvent[]> {
    const rows = await this.db
      .selectFrom('deployment_events')
      .selectAll()
      .where('deployment', '=', name)
      .where('id', '>', input.afterId ?? 0)
      .orderBy('id')
      .limit(Math.min(Math.max(input.maxResults ?? 1000, 1), 50_000))
      .execute();
    if (rows.length === 0 && input.afterId === undefined) await this.get(name);
    return rows.map((row) => toDeploymentEvent({ ...row, id: Number(row.id) }));
  }

  /**
   * Applies a change computed from the current state: writes the new state (revision + 1) and
   * its history entry atomically. Without an expected revision, a change that lost a race with
   * another writer is recomputed on the newer state (a few times); with one, it fails.
   */
  async change(
    name: string,
    compute: (current: Deployment, now: number) => Change,
    options: ChangeOptions = {},
  ): Promise<Deployment> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.get(name);
      if (options.expectedRevision !== undefined && current.revision !== options.expectedRevision)
        throw conflict(name);
      const now = this.clock.now();
      const { next, event } = compute(current, now);
      const written: Deployment = { ...next, updatedTime: now, revision: current.revision + 1 };
      const ok = await this.db.transaction().execute(async (tx) => {
        const result = await tx
          .updateTable('deployments')
          .set(toRow(written))
          .where('name', '=', name)
          .where('revision', '=', current.revision)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) return false;
        await tx.insertInto('deployment_events').values(toEventRow(event)).execute();
        return true;
      });
      if (ok) {
        this.events.emit('deployment.changed', { name, kind: event.kind });
        await this.audit.record({
          kind: 'deployment',
          action: `deployment.${event.kind}`,
          objectKind: 'deployment',
          objectId: name,
          before: {
            revision: current.revision,
            primary: current.primary,
            candidate: current.candidate?.version,
          },
          after: {
            revision: written.revision,
            primary: written.primary,
            candidate: written.candidate?.version,
            ...(event.reason ? { reason: event.reason } : {}),
          },
        });
        return written;
      }
      if (options.expectedRevision !== undefined || attempt >= 4) throw conflict(name);
    }
  }

  /** The version `ref` names, checked against the registry when there is one. */
  async requireVersion(model: string, ref: string, field: string): Promise<string | undefined> {
    if (!this.versions) return undefined;
    try {
      return String(await this.versions.resolve(model, ref));
    } catch (error) {
      const about = ['RESOURCE_DOES_NOT_EXIST', 'INVALID_PARAMETER_VALUE'];
      if (error instanceof MloopError && about.includes(error.code)) {
        throw new MloopError('INVALID_PARAMETER_VALUE', `${field}: ${error.message}`, field);
      }
      throw error;
    }
  }

  /** The version `ref` names now, or undefined when the registry cannot say (for history entries). */
  async versionOf(model: string, ref: string): Promise<number | undefined> {
    try {
      return await this.versions?.resolve(model, ref);
    } catch {
      return undefined;
    }
  }
}

function conflict(name: string): MloopError {
  return new MloopError(
    'INVALID_STATE',
    `Deployment '${name}' was changed by someone else meanwhile; read it again and retry`,
  );
}
