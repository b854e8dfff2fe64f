/** How hard a webhook is tried before its delivery is recorded as failed. */
export interface WebhookOptions {
  /** Tries in all (default 3). */
  attempts?: number;
  /** Each try's time limit, ms (default 5000). */
  timeoutMs?: number;
  /** Wait before the second try, doubled before each next one, ms (default 500). */
  backoffMs?: number;
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
 * would refuse it again). Never throws: the outcome is returned, for the alert's record.
 */
export async function deliverWebhook(
  url: string,
  body: unknown,
  options: WebhookOptions = {},
): Promise<WebhookDelivery> {
  const attempts = Math.max(1, options.attempts ?? 3);
  const timeoutMs = options.timeoutMs ?? 5000;
  let wait = options.backoffMs ?? 500;
  let error = 'not tried';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'mloop-alerts' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return { ok: true, attempts: attempt };
      error = `HTTP ${response.status}`;
      if (response.status < 500 && response.status !== 429) return { ok: false, attempts: attempt, error };
    } catch (caught) {
      const cause = (caught as { cause?: { code?: string } }).cause?.code;
      error =
        caught instanceof Error && caught.name === 'TimeoutError'
          ? `timed out after ${timeoutMs} ms`
          : `${caught instanceof Error ? caught.message : String(caught)}${cause ? ` (${cause})` : ''}`;
    }
    if (attempt < attempts) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait *= 2;
    }
  }
  return { ok: false, attempts, error };
}
