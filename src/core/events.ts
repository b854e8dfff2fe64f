import { EventEmitter } from 'node:events';

/**
 * In-process domain events: the way back around the loop (monitoring raises an alert, pipelines
 * retrain) without an earlier domain importing a later one.
 */
export interface DomainEvents {
  'run.finished': { runId: string; experimentId: string; status: string };
  /** A registry alias now points at `toVersion` (it pointed at `fromVersion`, if anywhere). */
  'registry.alias-moved': { name: string; alias: string; fromVersion?: number; toVersion: number };
  /** A registry alias was removed (deleted, or its version or model was deleted). */
  'registry.alias-removed': { name: string; alias: string; fromVersion: number };
  /**
   * A version's files differ from the ones registered (changed, removed or added below the API),
   * so loading it was refused; `actual` is the file's sha256 now, `missing` or `unregistered`.
   */
  'registry.files-tampered': {
    name: string;
    version: number;
    path: string;
    expected: string;
    actual: string;
  };
  /** A deployment was created, changed (candidate, rollout step, rollback…) or deleted. */
  'deployment.changed': { name: string; kind: string };
  /** Labels arrived for `count` predictions of `model` (alert rules on performance re-evaluate). */
  'feedback.received': { model: string; count: number };
  /** A dataset got a new version (not emitted when the same bytes were added again); pipelines subscribe. */
  'data.version-added': { name: string; version: number; digest: string };
  /** An alert rule fired: its value crossed its threshold over its window (retraining, rollback subscribe). */
  'monitoring.alert': {
    rule: string;
    model: string;
    kind: string;
    value: number;
    threshold: number;
    alertId: string;
    /** The deployment the rule watches, when it watches one rather than a model reference. */
    deployment?: string;
  };
}

export class EventBus<Events extends object = DomainEvents> {
  private readonly emitter = new EventEmitter();

  emit<K extends keyof Events & string>(name: K, payload: Events[K]): void {
    this.emitter.emit(name, payload);
  }

  on<K extends keyof Events & string>(name: K, listener: (payload: Events[K]) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }
}
