import { changeKinds, type ChangeKind } from '../core/audit-trail.js';
import { invalidParameter } from '../core/errors.js';
import { actions, type Action } from './roles.js';

// The kind of an entry recorded by its permission (refused attempts, HTTP changes no service
// records, entries written before kinds existed).
const kindByAction: Partial<Record<Action, ChangeKind>> = {
  'experiments.write': 'tracking',
  'runs.write': 'tracking',
  'models.write': 'model',
  'aliases.protected': 'alias',
  'promotions.request': 'alias',
  'promotions.approve': 'alias',
  'datasets.write': 'dataset',
  'deployments.write': 'deployment',
  'feedback.write': 'monitoring',
  'alerts.write': 'monitoring',
  'privacy.forget': 'privacy',
  'governance.admin': 'access',
};

/** The kind of change an action (a route's permission) makes; `access` for anything unmapped. */
export function kindOfAction(action: string): ChangeKind {
  return kindByAction[action as Action] ?? 'access';
}

/** The permission names whose entries are of one of `kinds`. */
export function actionsOfKinds(kinds: readonly ChangeKind[]): string[] {
  const all = [...actions, 'unmapped'];
  return all.filter((a) => kinds.includes(kindOfAction(a)));
}

/** `model,alias` or `all`, as `mloop audit --kind` and `?kind=` take it. */
export function parseChangeKinds(text: string, field = 'kind'): ChangeKind[] {
  if (text.trim() === 'all') return [...changeKinds];
  const kinds = text
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  for (const kind of kinds)
    if (!(changeKinds as readonly string[]).includes(kind))
      throw invalidParameter(field, `unknown kind "${kind}": use all or any of ${changeKinds.join(', ')}`);
  return kinds as ChangeKind[];
}
