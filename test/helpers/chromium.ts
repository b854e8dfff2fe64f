import { describe } from 'vitest';
import { testServiceFromEnv } from './test-services.js';

const VARIABLE = 'MLOOP_TEST_CHROMIUM';

/** Debian's chromium for browser tests (`npm test` installs it and sets MLOOP_TEST_CHROMIUM). */
export function chromiumPath(): string | undefined {
  return testServiceFromEnv(VARIABLE, 'chromium');
}

/** `describe` for suites that drive a real browser: skipped when none is configured outside `npm test`. */
export const describeWithChromium = chromiumPath() ? describe : describe.skip;
