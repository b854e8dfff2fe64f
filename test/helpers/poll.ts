/**
 * The one way tests wait for something that happens in the background (a log flush, a scheduler's
 * tick, a process starting): poll with a deadline, never sleep a fixed time.
 */

export interface PollOptions {
  /** What is awaited, for the error when the deadline passes. */
  what?: string;
  /** How long to wait before failing (ms). */
  timeoutMs?: number;
  /** How long to wait between checks (ms). */
  intervalMs?: number;
}

/** Resolves once `condition` holds; throws when it still does not after the deadline. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  options: PollOptions = {},
): Promise<void> {
  await eventually(async () => ((await condition()) ? true : undefined), options);
}

/** Resolves with the first value `check` returns other than undefined; throws after the deadline. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  { what = 'a condition', timeoutMs = 10_000, intervalMs = 20 }: PollOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
