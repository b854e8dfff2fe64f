import type { Command } from 'commander';
import { loadConfig } from '../../core/config.js';
import { openDatabase } from '../../store/database.js';
import { migrateToLatest } from '../../store/migrations/index.js';
import { print, printJson } from '../command-context.js';
import { exitCodesLine } from '../exit-codes.js';

interface MigrateOptions {
  json?: boolean;
}

/**
 * `mloop migrate`: brings the configured database's schema up to date and exits. Servers migrate
 * at start too; a deployment runs this first (the Helm chart's pre-install/pre-upgrade Job) so a
 * failing migration stops the rollout before any new server starts, and servers start faster.
 */
export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description("Bring the database's schema up to date (MLOOP_DATABASE_URL), then exit")
    .option('--json', 'print the migrations applied as JSON to stdout, for scripts')
    .addHelpText(
      'after',
      '\nApplies the migrations the database has not run, in one process at a time (servers starting ' +
        'at once wait their turn); running it again applies nothing. Servers also migrate at start.\n' +
        `\n${exitCodesLine([
          ['ok', 'the schema is up to date'],
          ['failure', 'a migration failed (the steps before it stay applied) or the database is unreachable'],
        ])}\n` +
        '\nExamples:\n  $ MLOOP_DATABASE_URL=postgres://mloop@db:5432/mloop mloop migrate\n  $ mloop migrate --json\n',
    )
    .action(async (opts: MigrateOptions) => {
      const config = loadConfig({});
      const database = await openDatabase(config.databaseUrl, { migrate: false });
      try {
        const applied = await migrateToLatest(database.tables<unknown>(), database.dialect);
        if (opts.json) printJson({ dialect: database.dialect, applied });
        else if (applied.length === 0) print(`${database.dialect} schema already up to date`);
        else print(`${database.dialect} schema up to date: applied ${applied.join(', ')}`);
      } finally {
        await database.close();
      }
    });
}
