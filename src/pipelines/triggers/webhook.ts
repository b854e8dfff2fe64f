import { timingSafeEqual } from 'node:crypto';
import { invalidParameter, MloopError } from '../../core/errors.js';
import type { PipelineService } from '../pipeline-service.js';
import type { RunHandle } from '../runner.js';
import type { Params } from '../types.js';
import { triggersOf } from './pipeline-scheduler.js';

export interface WebhookCall {
  /** The secret the caller presented (a bearer token or the X-Mloop-Webhook-Secret header). */
  secret: string | undefined;
  commit?: string;
  ref?: string;
  params?: Params;
}

/**
 * Starts a run from a CI system's call: the pipeline must declare a webhook trigger whose secret
 * (held in an environment variable of the server) the caller presents; commit and ref are recorded.
 */
export async function triggerByWebhook(
  pipelines: PipelineService,
  name: string,
  call: WebhookCall,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunHandle> {
  const hook = triggersOf(await pipelines.get(name)).webhook;
  if (!hook)
    throw new MloopError(
      'PERMISSION_DENIED',
      `pipeline "${name}" has no webhook trigger; add triggers.webhook.secret_env to its definition`,
    );
  const expected = env[hook.secretEnv];
  if (!expected)
    throw new MloopError(
      'TEMPORARILY_UNAVAILABLE',
      `the server has no ${hook.secretEnv} set, so webhook calls for "${name}" cannot be checked`,
    );
  if (call.secret === undefined || !sameSecret(call.secret, expected)) {
    throw new MloopError('UNAUTHENTICATED', `webhook secret for pipeline "${name}" is missing or wrong`);
  }
  if (call.commit !== undefined && !/^[0-9a-fA-F]{4,64}$/.test(call.commit))
    throw invalidParameter('commit', 'commit must be a hex commit sha');
  return pipelines.start(name, {
    trigger: {
      kind: 'webhook',
      detail: { ...(call.commit ? { commit: call.commit } : {}), ...(call.ref ? { ref: call.ref } : {}) },
    },
    ...(call.params ? { params: call.params } : {}),
  });
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
