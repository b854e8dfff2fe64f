import type { Command } from 'commander';
import { invalidParameter } from '../../core/errors.js';
import type { PromotionRequest } from '../../governance/promotion-requests.js';
import { print, printJson, trackingCommand, type CommonOptions } from '../command-context.js';
import { localUser, withGovernance } from '../governance-backend.js';
import { renderTable } from '../format/table.js';
import { formatTime } from '../format/values.js';

interface RequestOptions extends CommonOptions {
  reason?: string;
  deployment?: string;
}

/** `mloop promotions …`: four-eyes moves of protected aliases (request, approve, reject, list). */
export function registerPromotionsCommand(program: Command): void {
  const promotions = program
    .command('promotions')
    .description('Four-eyes promotions of protected aliases: one maintainer requests, another approves');

  trackingCommand(
    promotions
      .command('request')
      .argument('<model>')
      .argument('<alias>', 'a protected alias, e.g. production')
      .argument('<version>')
      .description('Ask for an alias move that a different maintainer must approve')
      .option('--reason <text>', 'why; recorded in the promotion history')
      .option(
        '--deployment <name>',
        "for this deployment's rollout: approval moves nothing, it lets the rollout start and its completion move the alias",
      ),
    [
      'mloop promotions request churn production 7 --reason "AUC 0.91 on the March holdout"',
      'mloop promotions request churn production 8 --deployment churn-api   # then: mloop deployments rollout churn-api',
    ],
  ).action(async (model: string, alias: string, version: string, opts: RequestOptions) => {
    const v = Number(version);
    if (!Number.isInteger(v) || v < 1)
      throw invalidParameter('version', `version must be a positive whole number, got "${version}"`);
    await withGovernance(opts, async (ops) => {
      const request = await ops.requestPromotion(model, alias, v, opts.reason, opts.deployment);
      if (opts.json) return printJson(request);
      const via = opts.deployment ? ` by a rollout of ${opts.deployment}` : '';
      print(
        `promotion request ${request.id}: ${model}@${alias} -> ${v}${via}, pending; approve with \`mloop promotions approve ${request.id}\``,
      );
    });
  });

  for (const decision of ['approve', 'reject'] as const) {
    trackingCommand(
      promotions
        .command(decision)
        .argument('<id>', 'the promotion request id')
        .description(decision === 'approve' ? 'Approve a request: the alias moves' : 'Reject a request'),
      [`mloop promotions ${decision} preq_…`],
    ).action(async (id: string, opts: CommonOptions) => {
      await withGovernance(opts, async (ops) => {
        const request = await ops.decidePromotion(id, decision, localUser());
        if (opts.json) return printJson(request);
        print(`promotion request ${request.id} ${request.status} by ${request.decidedBy ?? ''}`);
      });
    });
  }

  trackingCommand(
    promotions.command('list').argument('[model]').description('Promotion requests, newest first'),
    ['mloop promotions list', 'mloop promotions list churn --json'],
  ).action(async (model: string | undefined, opts: CommonOptions) => {
    await withGovernance(opts, async (ops) => {
      const list = await ops.promotionRequests(model);
      if (opts.json) return printJson(list);
      print(
        renderTable(
          ['ID', 'MODEL', 'ALIAS', 'VERSION', 'STATUS', 'REQUESTED BY', 'WHEN', 'DECIDED BY'],
          list.map(row),
        ),
      );
    });
  });
}

function row(r: PromotionRequest): string[] {
  return [
    r.id,
    r.model,
    r.alias,
    String(r.version),
    r.status,
    r.requestedBy,
    formatTime(r.requestedTime),
    r.decidedBy ?? '',
  ];
}
