import type { Command } from 'commander';
import { registerDataValidateCommands } from './data-validate.js';
import { registerDatasetCommands } from './data-versions.js';

/** `mloop data …`: datasets, their versions and validation suites. */
export function registerDataCommand(program: Command): Command {
  const data = program
    .command('data')
    .description('Datasets: versioned data files, their profiles and validation suites')
    .addHelpText('after', '\nDATASET arguments take NAME/VERSION (customers/3).\n');
  registerDatasetCommands(data);
  registerDataValidateCommands(data);
  return data;
}
