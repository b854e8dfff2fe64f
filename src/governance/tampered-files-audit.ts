import type { EventBus } from '../core/events.js';
import type { AuditLog } from './audit.js';

/**
 * Records each refused load of a version whose files differ from the registered ones in the audit
 * log: the change happened below every API, so no request's entry tells of it.
 */
export function auditTamperedFiles(events: EventBus, audit: Pick<AuditLog, 'append'>): void {
  events.on('registry.files-tampered', (e) => {
    const entry = {
      kind: 'model' as const,
      actor: 'system',
      action: 'model.files-tampered',
      outcome: 'denied' as const,
      method: 'system',
      path: `models/${e.name}/versions/${e.version}`,
      status: 0,
      objectKind: 'model',
      objectId: e.name,
      after: { version: e.version, file: e.path, expected_sha256: e.expected, actual_sha256: e.actual },
    };
    // The load is refused whether or not the entry could be written.
    audit.append(entry).catch(() => undefined);
  });
}
