import { Command } from 'commander';
import { invalidParameter } from '../../core/errors.js';
import { commandTable } from '../command-table.js';
import { completionScript, completionTree, shells, type Shell } from '../shell-completion.js';

export function registerCompletionCommand(program: Command): void {
  program
    .command('completion')
    .description('Print shell completion for bash, zsh or fish (commands, subcommands and options)')
    .argument('<shell>', shells.join(', '))
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ source <(mloop completion bash)                   # or add it to ~/.bashrc\n' +
        '  $ mloop completion zsh > "${fpath[1]}/_mloop"        # then restart zsh\n' +
        '  $ mloop completion fish > ~/.config/fish/completions/mloop.fish\n',
    )
    .action(async (shell: string) => {
      if (!shells.includes(shell as Shell))
        throw invalidParameter('shell', `shell must be one of ${shells.join(', ')}, got '${shell}'`);
      // Every command module, registered on a program of its own: the script lists them all.
      const full = new Command(program.name());
      const registrations = await Promise.all(
        [...new Set(commandTable.map((e) => e.register))].map((r) => r()),
      );
      for (const register of new Set(registrations)) register(full);
      process.stdout.write(completionScript(shell as Shell, completionTree(full)));
    });
}
