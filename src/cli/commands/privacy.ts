import type { Command } from 'commander';
import { print, printJson, trackingCommand, type CommonOptions } from '../command-context.js';
import { withGovernance } from '../governance-backend.js';

/** `mloop privacy forget KEY`: delete a subject's prediction-log rows and their labels. */
export function registerPrivacyCommand(program: Command): void {
  const privacy = program
    .command('privacy')
    .description('Personal data: forget a subject (its logged predictions and labels)');
  trackingCommand(
    privacy
      .command('forget')
      .argument('<subject-key>', 'the request key the subject was served under (a user or session id)')
      .description(
        'Delete the prediction-log rows with this request key and their labels; the request is audited',
      ),
    [
      'mloop privacy forget user-8812',
      'MLOOP_URL=https://mloop.example.com mloop privacy forget user-8812 --json',
    ],
  ).action(async (key: string, opts: CommonOptions) => {
    await withGovernance(opts, async (ops) => {
      const result = await ops.forget(key);
      if (opts.json) return printJson(result);
      print(
        `forgot ${key}: ${result.predictionsDeleted} predictions and ${result.feedbackDeleted} labels deleted`,
      );
    });
  });
}
