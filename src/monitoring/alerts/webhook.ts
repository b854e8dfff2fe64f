import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { WebhookTargets } from './webhook-target.js';

/** How hard a webhook is tried before its delivery is recorded as failed, and where it may go. */
export interface WebhookOptions {
  /** Tries in all (default 3). */
  attempts?: number;
  /** Each try's time limit, ms (default 5000). */
  timeoutMs?: number;
  /** Wait before the second try, doubled before each next one, ms (default 500). */
  backoffMs?: number;
  /** Hosts a webhook may reach though they are loopback or private (`MLOOP_WEBHOOK_ALLOWED_HOSTS`). */
  allowedHosts?: readonly string[] | undefined;
}

export interface WebhookDelivery {
  ok: boolean;
  attempts: number;
  /** The last failure: an HTTP status or a network error. */
  error?: string;
}

/**
 * POSTs a JSON body to a webhook, retrying network errors, timeouts, 429 and 5xx answers with
 * exponential backoff; a 4xx other than 429 is not retried (the receiver refused this body, and
 * would refuse it again). Only public addresses (or allowed hosts) are reached, checked after DNS
 * resolution on the address actually connected to; redirects are not followed, since each would
 * need the same check. Never throws: the outcome is returned, for the alert's record.
 */
export async function deliverWebhook(
  url: string,
  body: unknown,
  options: WebhookOptions = {},
): Promise<WebhookDelivery> {
  const attempts = Math.max(1, options.attempts ?? 3);
  const timeoutMs = options.timeoutMs ?? 5000;
  const targets = new WebhookTargets(options.allowedHosts);
  const target = new URL(url);
  const refused = targets.refusedLiteral(target.hostname);
  if (refused) return { ok: false, attempts: 0, error: `webhook refused: ${refused}` };
  let wait = options.backoffMs ?? 500;
  let error = 'not tried';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const status = await post(target, JSON.stringify(body), targets, timeoutMs);
      if (status >= 200 && status < 300) return { ok: true, attempts: attempt };
      error =
        status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}`;
      if (status < 500 && status !== 429) return { ok: false, attempts: attempt, error };
    } catch (caught) {
      const code = (caught as NodeJS.ErrnoException).code;
      if (code === 'EREFUSED_ADDRESS')
        return { ok: false, attempts: attempt, error: (caught as Error).message };
      error =
        caught instanceof Error && caught.name === 'TimeoutError'
          ? `timed out after ${timeoutMs} ms`
          : `${caught instanceof Error ? caught.message : String(caught)}${code && !(caught as Error).message.includes(code) ? ` (${code})` : ''}`;
    }
    if (attempt < attempts) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait *= 2;
    }
  }
  return { ok: false, attempts, error };
}

/** One POST; resolves with the answer's status once its body is read. */
function post(target: URL, payload: string, targets: WebhookTargets, timeoutMs: number): Promise<number> {
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          'user-agent': 'mloop-alerts',
        },
        lookup: targets.lookup,
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    // A timed-out request fails with AbortError, whose cause is the signal's TimeoutError.
    req.on('error', (error) => reject(error.name === 'AbortError' ? (causeOf(error) ?? error) : error));
    req.end(payload);
  });
}

function causeOf(error: Error): Error | undefined {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? cause : undefined;
}
