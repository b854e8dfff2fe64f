/**
 * Reads the address of a test service (PostgreSQL, the Python venv) from the environment that
 * `npm test` (scripts/test.sh) prepares. Outside `npm test` (say, `npx vitest run` on a laptop) a
 * missing service means "skip those tests"; under `npm test`, which sets MLOOP_TEST_REQUIRE_ALL=1,
 * it is an error, so a broken setup can never turn into a green run that silently skipped tests.
 */
export function testServiceFromEnv(variable: string, what: string): string | undefined {
  const value = process.env[variable];
  if (value) return value;
  if (process.env.MLOOP_TEST_REQUIRE_ALL === '1') {
    throw new Error(
      `${variable} is not set, so tests that need ${what} cannot run. ` +
        'Run the suite with `npm test`, which installs and starts the test services and sets it.',
    );
  }
  return undefined;
}
