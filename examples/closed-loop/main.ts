/**
 * `npm run demo`: the closed loop on the embedded default, told as a story.
 *
 *   npx tsx examples/closed-loop/main.ts [--home .mloop-demo] [--keep-running] [--seed 7] [--from-source]
 *
 * Starts `mloop server` (the built CLI in dist/) on a fresh home, runs `runClosedLoop` against it
 * and prints each step with the server's URLs; with --keep-running the server stays up to explore.
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/core/config.js';
import { isMloopError } from '../../src/core/errors.js';
import { MloopClient } from '../../src/sdk/index.js';
import { startDemoServer } from './demo-server.js';
import { runClosedLoop } from './loop.js';

const { values } = parseArgs({
  options: {
    home: { type: 'string', default: '.mloop-demo' },
    'keep-running': { type: 'boolean', default: false },
    seed: { type: 'string', default: '7' },
    port: { type: 'string', default: '0' },
    // Run the server from src/ with tsx instead of the build in dist/ (no `npm run build` first).
    'from-source': { type: 'boolean', default: false },
  },
});
const home = resolve(values.home);
// A fresh home each time: the story starts from nothing, and version numbers read as told.
rmSync(home, { recursive: true, force: true });

const started = Date.now();
const cli = values['from-source']
  ? [join('node_modules', '.bin', 'tsx'), join('src', 'cli', 'main.ts')]
  : [process.execPath, join('dist', 'cli', 'main.js')];
// The database the server and the pipeline registration share: the embedded SQLite file in the
// home, or the one MLOOP_DATABASE_URL (or mloop.config.json) names.
const { databaseUrl } = loadConfig({ home });
const onEmbeddedStore = databaseUrl.startsWith('sqlite:');
const server = await startDemoServer(home, cli, { port: Number(values.port), databaseUrl });
console.log(`mloop server listening on ${server.url} (MLOOP_HOME=${values.home})`);
console.log(`Dashboard: ${server.url}/   API: ${server.url}/openapi.json\n`);
let failed = false;
try {
  // A fresh home empties the embedded store; a shared database is the user's to empty.
  if (!onEmbeddedStore && (await modelExists(server.url, 'churn'))) {
    throw new Error(
      'the database MLOOP_DATABASE_URL names already holds the demo (model churn): give the demo an empty database',
    );
  }
  let n = 0;
  await runClosedLoop({
    url: server.url,
    home,
    databaseUrl,
    workDir: join(home, 'demo-data'),
    seed: Number(values.seed),
    onEvent: (event) => {
      console.log(`${String(++n).padStart(2)}. [${event.step}] ${event.title}`);
      console.log(`    ${event.detail}`);
      for (const link of event.links) console.log(`    → ${link}`);
    },
  });
  console.log(`\nThe loop closed in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
} catch (error) {
  failed = true;
  console.error(`\nThe demo stopped: ${(error as Error).message}`);
} finally {
  if (values['keep-running'] && !failed) {
    console.log(
      `The server keeps running at ${server.url} (pid ${server.pid}); stop it with: kill ${server.pid}`,
    );
    console.log(`Try: MLOOP_URL=${server.url} node dist/cli/main.js models history churn`);
  } else {
    await server.stop();
    const where = onEmbeddedStore ? `in ${values.home}` : 'in the database MLOOP_DATABASE_URL names';
    console.log(
      `Stopped the server. The store stays ${where}: MLOOP_HOME=${values.home} node dist/cli/main.js models history churn`,
    );
  }
}
if (failed) process.exitCode = 1;

async function modelExists(url: string, name: string): Promise<boolean> {
  try {
    await new MloopClient({ url }).models.get(name);
    return true;
  } catch (error) {
    if (isMloopError(error) && error.code === 'RESOURCE_DOES_NOT_EXIST') return false;
    throw error;
  }
}
