import { testServiceFromEnv } from './test-services.js';

/** The test Redis URL (scripts/lib/redis.sh), or undefined outside `npm test` when none is set. */
export function testRedisUrl(): string | undefined {
  return testServiceFromEnv('MLOOP_TEST_REDIS_URL', 'Redis');
}
