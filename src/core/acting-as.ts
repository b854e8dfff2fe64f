import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Who a change is made for and how it came in, carried beside the call instead of through every
 * service's arguments: each entry point (an HTTP request, the embedded CLI, a pipeline step, the
 * rollout controller) sets it once, and the audit trail reads it where the change happens.
 */
export interface ActingAs {
  /** The token's user, the OS user of the embedded CLI, or a system actor (`system:rollout`). */
  actor: string;
  /** The way in: `http`, `cli`, `pipeline`, `system`. */
  via: string;
  /** For HTTP: the request's method, path, client address and id. */
  method?: string | undefined;
  path?: string | undefined;
  ip?: string | undefined;
  requestId?: string | undefined;
  /** Extra facts about the caller kept with each entry (the token's name, the project). */
  details?: Record<string, unknown> | undefined;
  /** How many audit entries the work has recorded so far (HTTP records a generic one when none). */
  recorded: number;
}

const storage = new AsyncLocalStorage<ActingAs>();

/** Runs `work` (and everything it awaits) as `who`; given a whole ActingAs, reads its count after. */
export function actingAs<T>(who: ActingAs | Omit<ActingAs, 'recorded'>, work: () => T): T {
  return storage.run('recorded' in who ? who : { ...who, recorded: 0 }, work);
}

/**
 * Makes `who` the actor of the rest of this process's work (a CLI command is one process acting
 * for one user); work already inside `actingAs` keeps its own.
 */
export function actAsFromNowOn(who: Omit<ActingAs, 'recorded'>): void {
  storage.enterWith({ ...who, recorded: 0 });
}

/** The actor of the work running now, if an entry point set one. */
export function currentActor(): ActingAs | undefined {
  return storage.getStore();
}
