#!/usr/bin/env node
import { Command, CommanderError, Help } from 'commander';
import { actAsFromNowOn } from '../core/acting-as.js';
import { isMloopError } from '../core/errors.js';
import { commandTable, entriesFor } from './command-table.js';
import { exitCodeFor, exitCodes, exitCodesHelp } from './exit-codes.js';
import { localUser } from './local-user.js';

const program = new Command();
program
  .name('mloop')
  .description('mloop: data, experiments, registry, serving, monitoring and retraining in one loop')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText('after', exitCodesHelp())
  .exitOverride();

// Only the module of the command being run is imported: the others pull in the server,
// onnxruntime and DuckDB, which would cost every invocation most of its startup time.
const entries = entriesFor(process.argv.slice(2));
if (entries === 'help-only') {
  const terms = new Map(commandTable.map((e) => [e.name, e.term]));
  const help = new Help();
  program.configureHelp({ subcommandTerm: (cmd) => terms.get(cmd.name()) ?? help.subcommandTerm(cmd) });
  for (const entry of commandTable) program.command(entry.name).description(entry.description);
} else {
  const registrations = await Promise.all([...new Set(entries.map((e) => e.register))].map((r) => r()));
  for (const register of new Set(registrations)) register(program);
}

// What a command changes on the embedded store is audited as the OS user running it; long-running
// services act for each request's token, or as themselves for their own work.
if (!['server', 'worker', 'serve'].includes(process.argv[2] ?? ''))
  actAsFromNowOn({ actor: localUser(), via: 'cli' });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exit(error.exitCode === 0 ? exitCodes.ok : exitCodes.usage);
  }
  if (isMloopError(error)) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(exitCodeFor(error.code));
  }
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(exitCodes.failure);
}
