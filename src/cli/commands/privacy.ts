import type { Command } from 'commander';
import type { ForgetSubject } from '../../governance/privacy.js';
import { print, printJson, trackingCommand, type CommonOptions } from '../command-context.js';
import { withGovernance } from '../governance-backend.js';

/** `mloop privacy forget ID [--column NAME]`: delete a subject's prediction-log rows and their labels. */
export function registerPrivacyCommand(program: Command): void {
  const privacy = program
    .command('privacy')
    .description('Personal data: forget a subject (its logged predictions and labels)');
  trackingCommand(
    privacy
      .command('forget')
      .argument(
        '<subject>',
        'the subject: its request key (a user or session id), or with --column its value',
      )
      .option(
        '--column <name>',
        'find the subject by this input column (e.g. customer_id), logged as sent or hashed, instead of by request key',
      )
      .description("Delete the subject's prediction-log rows and their labels; the request is audited"),
    [
      'mloop privacy forget user-8812',
      'mloop privacy forget 8812 --column customer_id',
      'MLOOP_URL=https://mloop.example.com mloop privacy forget user-8812 --json',
    ],
  ).action(async (id: string, opts: CommonOptions & { column?: string }) => {
    const subject: ForgetSubject =
      opts.column === undefined ? { key: id } : { column: opts.column, value: id };
    await withGovernance(opts, async (ops) => {
      const result = await ops.forget(subject);
      if (opts.json) return printJson(result);
      const whom = opts.column === undefined ? id : `${opts.column}=${id}`;
      print(
        `forgot ${whom}: ${result.predictionsDeleted} predictions and ${result.feedbackDeleted} labels deleted`,
      );
    });
  });
}
