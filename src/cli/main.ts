#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { isMloopError } from '../core/errors.js';
import { registerDataCommand } from './commands/data.js';
import { registerDeploymentsCommand } from './commands/deployments.js';
import { registerDriftCommand } from './commands/drift.js';
import { registerExperimentsCommand } from './commands/experiments.js';
import { registerFeedbackCommand } from './commands/feedback.js';
import { registerModelsCommand } from './commands/models.js';
import { registerMonitorCommand } from './commands/monitor.js';
import { registerMonitorPerformanceCommand } from './commands/monitor-performance.js';
import { registerPredictCommand } from './commands/predict.js';
import { registerRunsCommand } from './commands/runs.js';
import { registerServeCommand } from './commands/serve.js';
import { registerServerCommand } from './commands/server.js';
import { registerTrainCommand } from './commands/train.js';
import { exitCodeFor, exitCodes } from './exit-codes.js';

const program = new Command();
program
  .name('mloop')
  .description('mloop: data, experiments, registry, serving, monitoring and retraining in one loop')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerServerCommand(program);
registerServeCommand(program);
registerExperimentsCommand(program);
registerRunsCommand(program);
registerModelsCommand(program);
registerDeploymentsCommand(program);
registerDriftCommand(program);
registerPredictCommand(program);
registerDataCommand(program);
registerMonitorCommand(program);
registerMonitorPerformanceCommand(program);
registerFeedbackCommand(program);
registerTrainCommand(program);

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
