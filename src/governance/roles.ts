/**
 * What a request does, named by the permission it needs. Every HTTP route maps to exactly one
 * action (src/api/route-actions.ts); `public` routes need no token.
 */
export const actions = [
  'public',
  'experiments.read',
  'experiments.write',
  'runs.read',
  'runs.write',
  'models.read',
  'models.write',
  'aliases.protected',
  'promotions.request',
  'promotions.approve',
  'datasets.read',
  'datasets.write',
  'deployments.read',
  'deployments.write',
  'predict',
  'predictions.read',
  'feedback.write',
  'monitoring.read',
  'alerts.write',
  'lineage.read',
  'audit.read',
  'privacy.forget',
  'governance.admin',
] as const;
export type Action = (typeof actions)[number];

/** Roles per project, each including everything of the one before it. */
export const roles = ['viewer', 'editor', 'maintainer', 'admin'] as const;
export type Role = (typeof roles)[number];

const viewer: readonly Action[] = [
  'public',
  'experiments.read',
  'runs.read',
  'models.read',
  'datasets.read',
  'deployments.read',
  'predict',
  'predictions.read',
  'monitoring.read',
  'lineage.read',
];
const editor: readonly Action[] = [
  ...viewer,
  'experiments.write',
  'runs.write',
  'models.write',
  'datasets.write',
  'feedback.write',
  'alerts.write',
];
// Maintainers change what production serves: protected aliases, approvals, deployments.
// Requesting a promotion is its own action: four-eyes refuses `aliases.protected` (the direct
// move) to everyone, and the request is the way around it.
const maintainer: readonly Action[] = [
  ...editor,
  'aliases.protected',
  'promotions.request',
  'promotions.approve',
  'deployments.write',
];

const allowed: Record<Role, ReadonlySet<Action>> = {
  viewer: new Set(viewer),
  editor: new Set(editor),
  maintainer: new Set(maintainer),
  admin: new Set(actions),
};

/** The one authorization table: may a member with `role` perform `action`? */
export function can(role: Role | undefined, action: Action): boolean {
  if (action === 'public') return true;
  return role !== undefined && allowed[role].has(action);
}

/** The least role that may perform `action` (for error messages that say what to ask for). */
export function leastRoleFor(action: Action): Role {
  return roles.find((role) => allowed[role].has(action)) ?? 'admin';
}

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}

export function isAction(value: string): value is Action {
  return (actions as readonly string[]).includes(value);
}
