import { performance } from 'node:perf_hooks';
import type { Logger } from '../core/logging.js';
import { isMloopError, MloopError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { ModelFile } from '../registry/model-files.js';
import type { ModelPackage } from '../registry/model-metadata.js';
import { ModelRuntime, type ModelRuntimeOptions } from './model-runtime.js';
import type { ScoringRuntime } from './scoring-runtime.js';

/** A registry version as serving needs it. */
export interface ResolvedVersion {
  name: string;
  version: number;
  /** Store-relative directory of the model files. */
  storagePath: string;
  /** The files as registered, for a reader that cannot ask the registry to check them. */
  files?: readonly ModelFile[] | undefined;
}

/**
 * What serving needs of the registry, as a narrow port: the platform adapts `RegistryService`
 * and `readModelPackage` to it; tests may pass a small fake.
 */
export interface ModelSource {
  /** The version `ref` (`NAME@ALIAS`, `NAME/VERSION`, `NAME/latest`) names now; not found fails. */
  resolve(ref: string): Promise<ResolvedVersion>;
  /** Reads a version's model package. */
  read(version: ResolvedVersion): Promise<ModelPackage>;
}

/** A model loaded for serving. */
export interface ServedModel {
  name: string;
  version: number;
  runtime: ScoringRuntime;
}

/** A request's hold on a served model: the model is not released before `release()`. */
export interface ModelLease {
  model: ServedModel;
  release(): void;
}

export interface ServedModelsOptions {
  /**
   * How often every bound reference is resolved again (default 2 s), to follow alias moves made
   * by other processes (a CLI, another server) that this process's event bus never hears of, when
   * no notification told of them (SQLite without Redis, a notification missed). Moves made in this
   * process are followed at once, by event; others' by `followAlias`. 0 turns polling off.
   */
  refreshIntervalMs?: number;
  /**
   * A reference no request used for this long is unbound and its model released (default 15
   * minutes), so versions pinned once (say by a finished rollout) do not stay in memory for ever.
   * Checked on each refresh tick; the next request loads it again.
   */
  idleUnloadMs?: number;
  runtime?: ModelRuntimeOptions;
  /**
   * Loads a version that onnxruntime does not serve (an MLflow model run by Python workers);
   * answers undefined for the others.
   */
  loadRuntime?: (version: ResolvedVersion) => Promise<ScoringRuntime | undefined>;
  logger?: Logger;
  /** Told whenever a reference starts serving another version. */
  onSwap?: (ref: string, from: number, to: number) => void;
}

/** The alias a bare model name serves when it has one; otherwise its newest version. */
export const defaultAlias = 'champion';

/**
 * The version a reference names now: `NAME@ALIAS`, `NAME/VERSION`, `NAME/latest`, or a bare name,
 * which means its champion, else its newest version. Batch scoring resolves references the same way.
 */
export async function resolveModelRef(source: ModelSource, ref: string): Promise<ResolvedVersion> {
  if (ref.includes('@') || ref.includes('/')) return source.resolve(ref);
  try {
    return await source.resolve(`${ref}@${defaultAlias}`);
  } catch (error) {
    if (!isMloopError(error) || error.code !== 'RESOURCE_DOES_NOT_EXIST') throw error;
    return source.resolve(`${ref}/latest`);
  }
}

/** A loaded version, shared by every reference that resolves to it and every request using it. */
interface Loaded {
  name: string;
  version: number;
  ready: Promise<ServedModel>;
  /** References binding it plus requests holding it; released at zero. */
  holders: number;
}

/** A reference (`iris@champion`, `iris/3`, `iris`) and the version it serves now. */
interface Binding {
  ref: string;
  current: Loaded;
  /** When a request last took a lease through it (performance.now()). */
  lastUsed: number;
  /** A version that failed to load: not tried again until the reference moves elsewhere. */
  failedVersion: number | undefined;
  refreshing: Promise<void> | undefined;
  /** Another refresh was asked for while one ran. */
  again: boolean;
}

/**
 * The models this process serves, by reference. A reference is resolved and its version loaded
 * once, on first use; requests then take a lease on the loaded model. When the reference moves
 * (an alias event, or polling sees another version) the new version is loaded completely first
 * and then swapped in by one assignment: requests already holding the old model finish on it,
 * new ones get the new one, and the old session is released when its last lease is returned.
 */
export class ServedModels {
  private readonly loaded = new Map<string, Loaded>();
  private readonly bindings = new Map<string, Binding>();
  private readonly binding = new Map<string, Promise<Binding>>();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly source: ModelSource,
    events: EventBus,
    private readonly options: ServedModelsOptions = {},
  ) {
    this.unsubscribe.push(
      events.on('registry.alias-moved', (e) => void this.followAlias(e.name, e.alias)),
      events.on('registry.alias-removed', (e) => void this.followAlias(e.name, e.alias)),
    );
    const every = options.refreshIntervalMs ?? 2000;
    if (every > 0) {
      const idleMs = options.idleUnloadMs ?? 15 * 60_000;
      this.timer = setInterval(() => {
        const now = performance.now();
        for (const b of this.bindings.values()) {
          if (now - b.lastUsed > idleMs && !b.refreshing) this.unbind(b, 'idle');
          else this.refresh(b);
        }
      }, every).unref();
    }
  }

  /**
   * A lease on the model `ref` serves: `NAME@ALIAS`, `NAME/VERSION`, `NAME/latest`, or a bare
   * `NAME` (its `champion` alias when set, else its newest version). Loads it on first use.
   */
  async acquire(ref: string): Promise<ModelLease> {
    if (this.closed) throw new MloopError('TEMPORARILY_UNAVAILABLE', 'serving is shutting down');
    const binding = this.bindings.get(ref) ?? (await this.bind(ref));
    const loaded = binding.current;
    binding.lastUsed = performance.now();
    loaded.holders += 1;
    let model: ServedModel;
    try {
      model = await loaded.ready;
    } catch (error) {
      this.drop(loaded);
      throw error;
    }
    let released = false;
    return {
      model,
      release: () => {
        if (released) return;
        released = true;
        this.drop(loaded);
      },
    };
  }

  /** The version `ref` is bound to now, if it has been used. */
  currentVersion(ref: string): number | undefined {
    return this.bindings.get(ref)?.current.version;
  }

  /** `NAME/VERSION` of every model in memory (bound, or still finishing requests); for tests and tools. */
  loadedModels(): string[] {
    return [...this.loaded.keys()].sort();
  }

  /**
   * Resolves the references that follow alias `alias` of model `name` again now, and swaps those
   * that moved: how a move made by another process (told by a notification) is followed at once.
   */
  async followAlias(name: string, alias: string): Promise<void> {
    const following = [...this.bindings.values()].filter(
      (b) => b.ref === `${name}@${alias}` || (b.ref === name && alias === defaultAlias),
    );
    await Promise.all(following.map((b) => this.refresh(b)));
  }

  /** Resolves every bound reference again now and swaps those that moved (after missed notifications, say). */
  async refreshAll(): Promise<void> {
    await Promise.all([...this.bindings.values()].map((b) => this.refresh(b)));
  }

  /** Stops following the registry and releases every model once its last request is done. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const off of this.unsubscribe.splice(0)) off();
    await Promise.allSettled([...this.binding.values()]);
    await Promise.allSettled([...this.bindings.values()].map((b) => b.refreshing));
    for (const b of this.bindings.values()) this.drop(b.current);
    this.bindings.clear();
  }

  private bind(ref: string): Promise<Binding> {
    let pending = this.binding.get(ref);
    if (!pending) {
      pending = (async () => {
        const version = await this.resolve(ref);
        const loaded = this.hold(version);
        try {
          await loaded.ready;
        } catch (error) {
          this.drop(loaded);
          throw error;
        }
        const binding: Binding = {
          lastUsed: performance.now(),
          ref,
          current: loaded,
          failedVersion: undefined,
          refreshing: undefined,
          again: false,
        };
        if (this.closed) {
          this.drop(loaded);
          throw new MloopError('TEMPORARILY_UNAVAILABLE', 'serving is shutting down');
        }
        this.bindings.set(ref, binding);
        return binding;
      })().finally(() => this.binding.delete(ref));
      this.binding.set(ref, pending);
    }
    return pending;
  }

  /** Resolves `ref` again and swaps in the version it names now, if it moved. */
  private refresh(binding: Binding): Promise<void> {
    if (binding.refreshing) {
      binding.again = true;
      return binding.refreshing;
    }
    binding.refreshing = (async () => {
      do {
        binding.again = false;
        await this.swapIfMoved(binding);
      } while (binding.again && !this.closed);
    })().finally(() => {
      binding.refreshing = undefined;
    });
    return binding.refreshing;
  }

  private async swapIfMoved(binding: Binding): Promise<void> {
    if (this.closed || this.bindings.get(binding.ref) !== binding) return;
    let target: ResolvedVersion;
    try {
      target = await this.resolve(binding.ref);
    } catch (error) {
      if (isMloopError(error) && error.code === 'RESOURCE_DOES_NOT_EXIST') {
        // The alias or version is gone: stop serving it; the next request resolves afresh.
        this.unbind(binding, 'no longer resolves');
      } else {
        this.options.logger?.warn({ err: error, ref: binding.ref }, 'could not re-resolve model reference');
      }
      return;
    }
    const from = binding.current.version;
    if (target.version === from || target.version === binding.failedVersion) return;
    const next = this.hold(target);
    try {
      await next.ready;
    } catch (error) {
      this.drop(next);
      binding.failedVersion = target.version;
      this.options.logger?.error(
        { err: error, ref: binding.ref, version: target.version },
        'new model version failed to load; still serving the previous one',
      );
      return;
    }
    if (this.closed || this.bindings.get(binding.ref) !== binding) {
      this.drop(next);
      return;
    }
    // The swap: one assignment. Requests that took a lease on the old model keep it.
    const previous = binding.current;
    binding.current = next;
    binding.failedVersion = undefined;
    this.drop(previous);
    this.options.logger?.info({ ref: binding.ref, from, to: target.version }, 'model swapped');
    this.options.onSwap?.(binding.ref, from, target.version);
  }

  /** Forgets a reference; its model is released once no request holds it. */
  private unbind(binding: Binding, why: string): void {
    if (this.bindings.get(binding.ref) !== binding) return;
    this.bindings.delete(binding.ref);
    this.drop(binding.current);
    this.options.logger?.info({ ref: binding.ref, why }, 'model reference unbound');
  }

  /** A bare name serves its champion, else its newest version. */
  private resolve(ref: string): Promise<ResolvedVersion> {
    return resolveModelRef(this.source, ref);
  }

  /** Takes a hold on a version, loading it unless it is loaded (or loading) already. */
  private hold(version: ResolvedVersion): Loaded {
    const key = `${version.name}/${version.version}`;
    let loaded = this.loaded.get(key);
    if (!loaded) {
      const ready = this.load(version);
      loaded = { name: version.name, version: version.version, ready, holders: 0 };
      this.loaded.set(key, loaded);
      // A failed load must not stay cached: the next use tries again.
      const entry = loaded;
      ready.catch(() => {
        if (this.loaded.get(key) === entry) this.loaded.delete(key);
      });
    }
    loaded.holders += 1;
    return loaded;
  }

  private async load(version: ResolvedVersion): Promise<ServedModel> {
    let runtime: ScoringRuntime;
    try {
      runtime =
        (await this.options.loadRuntime?.(version)) ??
        (await ModelRuntime.load(await this.source.read(version), this.options.runtime));
    } catch (error) {
      // Not found, files refused for differing from the registered ones, and a Python environment
      // still being built (503) say so themselves.
      if (
        isMloopError(error) &&
        ['RESOURCE_DOES_NOT_EXIST', 'INVALID_STATE', 'TEMPORARILY_UNAVAILABLE'].includes(error.code)
      )
        throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new MloopError(
        'INVALID_STATE',
        `Model ${version.name} version ${version.version} cannot be served: ${reason}`,
      );
    }
    this.options.logger?.info({ model: version.name, version: version.version }, 'model loaded');
    return { name: version.name, version: version.version, runtime };
  }

  private drop(loaded: Loaded): void {
    loaded.holders -= 1;
    if (loaded.holders > 0) return;
    const key = `${loaded.name}/${loaded.version}`;
    if (this.loaded.get(key) === loaded) this.loaded.delete(key);
    loaded.ready.then(
      (model) => model.runtime.release(),
      () => undefined,
    );
  }
}
