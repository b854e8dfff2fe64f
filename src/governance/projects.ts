import { noAuditTrail, type AuditTrail } from '../core/audit-trail.js';
import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import { invalidParameter, notFound } from '../core/errors.js';
import { isRole, type Role } from './roles.js';
import type { GovernanceTables } from './tables.js';

/** Objects not assigned to a project belong to this one. */
export const DEFAULT_PROJECT = 'default';

/**
 * The kinds of object assigned to a project. Every other kind follows its owner: runs their
 * experiment, predictions their deployment or model, alert rules what they watch, pipeline runs
 * their pipeline.
 */
export const projectObjectKinds = ['experiment', 'model', 'dataset', 'deployment', 'pipeline'] as const;
export type ProjectObjectKind = (typeof projectObjectKinds)[number];

/** An object's assignment to a project (experiments by id, the others by name). */
export interface ProjectObject {
  project: string;
  kind: ProjectObjectKind;
  key: string;
}

export interface ProjectMember {
  project: string;
  user: string;
  role: Role;
}

const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
// Role and object lookups run on every authenticated request; memberships change rarely.
const CACHE_MS = 5_000;

/** Projects (workspaces): who holds which role in each, and which objects each owns. */
export class ProjectService {
  private readonly roleCache = new Map<string, { role: Role | undefined; until: number }>();
  private readonly objectCache = new Map<string, { project: string; until: number }>();

  constructor(
    private readonly db: Kysely<GovernanceTables>,
    private readonly clock: Clock,
    private readonly audit: AuditTrail = noAuditTrail,
  ) {}

  /** Gives `user` a role in `project` (replacing any earlier role). */
  async setMember(project: string, user: string, role: string): Promise<ProjectMember> {
    checkProject(project);
    if (!isRole(role))
      throw invalidParameter('role', `role must be viewer, editor, maintainer or admin, got '${role}'`);
    await this.db
      .deleteFrom('project_members')
      .where('project', '=', project)
      .where('user_name', '=', user)
      .execute();
    await this.db
      .insertInto('project_members')
      .values({ project, user_name: user, role, created_time: this.clock.now() })
      .execute();
    this.roleCache.clear();
    await this.audit.record({
      kind: 'access',
      action: 'access.member-set',
      objectKind: 'project',
      objectId: project,
      after: { user, role },
    });
    return { project, user, role };
  }

  async removeMember(project: string, user: string): Promise<void> {
    const result = await this.db
      .deleteFrom('project_members')
      .where('project', '=', project)
      .where('user_name', '=', user)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0)
      throw notFound(`'${user}' is not a member of project '${project}'`);
    this.roleCache.clear();
    await this.audit.record({
      kind: 'access',
      action: 'access.member-remove',
      objectKind: 'project',
      objectId: project,
      before: { user },
    });
  }

  async members(project?: string): Promise<ProjectMember[]> {
    let query = this.db.selectFrom('project_members').selectAll().orderBy('project').orderBy('user_name');
    if (project) query = query.where('project', '=', project);
    const rows = await query.execute();
    return rows.map((r) => ({ project: r.project, user: r.user_name, role: r.role as Role }));
  }

  /** The role of `user` in `project`, or undefined when not a member. */
  async roleOf(user: string, project: string): Promise<Role | undefined> {
    const key = `${project}\u0000${user}`;
    const now = this.clock.now();
    const hit = this.roleCache.get(key);
    if (hit && hit.until > now) return hit.role;
    const row = await this.db
      .selectFrom('project_members')
      .select('role')
      .where('project', '=', project)
      .where('user_name', '=', user)
      .executeTakeFirst();
    const role = row && isRole(row.role) ? row.role : undefined;
    this.roleCache.set(key, { role, until: now + CACHE_MS });
    return role;
  }

  /** Moves an object into a project (`default` takes it out of any other). */
  async assign(kind: string, key: string, project: string): Promise<ProjectObject> {
    checkProject(project);
    if (!isProjectObjectKind(kind))
      throw invalidParameter(
        'kind',
        `kind must be one of ${projectObjectKinds.join(', ')}, got '${kind}': runs follow their experiment, predictions their deployment or model, alert rules what they watch`,
      );
    const before = await this.projectOf(kind, key);
    await this.db
      .deleteFrom('object_projects')
      .where('kind', '=', kind)
      .where('object_key', '=', key)
      .execute();
    if (project !== DEFAULT_PROJECT)
      await this.db.insertInto('object_projects').values({ kind, object_key: key, project }).execute();
    this.objectCache.clear();
    await this.audit.record({
      kind: 'access',
      action: 'access.object-assign',
      objectKind: kind,
      objectId: key,
      before: { project: before },
      after: { project },
    });
    return { project, kind, key };
  }

  /** The objects assigned to `project` (not `default`, which holds everything unassigned). */
  async objects(project: string): Promise<ProjectObject[]> {
    const rows = await this.db
      .selectFrom('object_projects')
      .selectAll()
      .where('project', '=', project)
      .orderBy('kind')
      .orderBy('object_key')
      .execute();
    return rows.flatMap((r) =>
      isProjectObjectKind(r.kind) ? [{ project: r.project, kind: r.kind, key: r.object_key }] : [],
    );
  }

  /** The project owning an object: its assignment, else `default`. */
  async projectOf(kind: ProjectObjectKind, key: string): Promise<string> {
    const cacheKey = `${kind}\u0000${key}`;
    const now = this.clock.now();
    const hit = this.objectCache.get(cacheKey);
    if (hit && hit.until > now) return hit.project;
    const row = await this.db
      .selectFrom('object_projects')
      .select('project')
      .where('kind', '=', kind)
      .where('object_key', '=', key)
      .executeTakeFirst();
    const project = row?.project ?? DEFAULT_PROJECT;
    this.objectCache.set(cacheKey, { project, until: now + CACHE_MS });
    return project;
  }
}

export function isProjectObjectKind(kind: string): kind is ProjectObjectKind {
  return (projectObjectKinds as readonly string[]).includes(kind);
}

function checkProject(project: string): void {
  if (!PROJECT_NAME.test(project))
    throw invalidParameter('project', 'project names are lowercase letters, digits, "_" or "-" (at most 63)');
}
