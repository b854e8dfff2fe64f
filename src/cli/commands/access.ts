import type { Command } from 'commander';
import { print, printJson, trackingCommand, type CommonOptions } from '../command-context.js';
import { withGovernance } from '../governance-backend.js';
import { renderTable } from '../format/table.js';
import { formatTime } from '../format/values.js';

interface CreateOptions extends CommonOptions {
  user?: string;
  admin?: boolean;
  role?: string;
  project: string;
}

/**
 * `mloop tokens …` (create, list, revoke API tokens) and `mloop projects …` (members and roles,
 * and which objects each project holds).
 */
export function registerAccessCommands(program: Command): void {
  const tokens = program.command('tokens').description('API tokens: create (shown once), list, revoke');

  trackingCommand(
    tokens
      .command('create')
      .argument('<name>', 'a name for the token, e.g. ci-trainer')
      .description('Create an API token; its secret is printed once and stored only hashed')
      .option('--user <user>', 'the user the token acts for (default: the token name)')
      .option('--admin', 'an admin token: every action in every project (the first token of a server)')
      .option(
        '--role <role>',
        'also give the user this role (viewer, editor, maintainer, admin) in --project',
      )
      .option('--project <project>', 'project for --role', 'default'),
    [
      'mloop tokens create bootstrap --admin          # on the embedded store, before the server has any token',
      'mloop tokens create ci-trainer --role editor --json',
      'MLOOP_URL=https://mloop.example.com MLOOP_TOKEN=mlp_… mloop tokens create alice --role maintainer',
    ],
  ).action(async (name: string, opts: CreateOptions) => {
    await withGovernance(opts, async (ops) => {
      const user = opts.user ?? name;
      const created = await ops.createToken({ name, user, admin: opts.admin ?? false });
      if (opts.role) await ops.setMember(opts.project, user, opts.role);
      if (opts.json) return printJson(created);
      print(
        `token ${created.name} (${created.id}) for user ${created.user}${created.admin ? ', admin' : ''}`,
      );
      if (opts.role) print(`role ${opts.role} in project ${opts.project}`);
      print(
        `\n  ${created.secret}\n\nThis secret is shown only now. Send it as MLOOP_TOKEN (mloop, SDK) or MLFLOW_TRACKING_TOKEN (MLflow clients).`,
      );
    });
  });

  trackingCommand(tokens.command('list').description('List tokens (never their secrets)'), [
    'mloop tokens list',
    'mloop tokens list --json',
  ]).action(async (opts: CommonOptions) => {
    await withGovernance(opts, async (ops) => {
      const list = await ops.listTokens();
      if (opts.json) return printJson(list);
      print(
        renderTable(
          ['ID', 'NAME', 'USER', 'ADMIN', 'CREATED', 'LAST USED', 'REVOKED'],
          list.map((t) => [
            t.id,
            t.name,
            t.user,
            t.admin ? 'yes' : '',
            formatTime(t.createdTime),
            formatTime(t.lastUsedTime),
            formatTime(t.revokedTime),
          ]),
        ),
      );
    });
  });

  trackingCommand(
    tokens
      .command('revoke')
      .argument('<token>', 'id or name of the token')
      .description('Revoke a token: it stops working at once'),
    ['mloop tokens revoke ci-trainer'],
  ).action(async (token: string, opts: CommonOptions) => {
    await withGovernance(opts, async (ops) => {
      const revoked = await ops.revokeToken(token);
      if (opts.json) return printJson(revoked);
      print(`revoked token ${revoked.name} (${revoked.id})`);
    });
  });

  const projects = program
    .command('projects')
    .description('Projects: who holds which role (viewer, editor, maintainer, admin)');
  trackingCommand(
    projects
      .command('grant')
      .argument('<project>')
      .argument('<user>')
      .argument('<role>', 'viewer, editor, maintainer or admin')
      .description("Give a user a role in a project (replacing the user's earlier role there)"),
    ['mloop projects grant default alice maintainer', 'mloop projects grant fraud ci-trainer editor --json'],
  ).action(async (project: string, user: string, role: string, opts: CommonOptions) => {
    await withGovernance(opts, async (ops) => {
      const member = await ops.setMember(project, user, role);
      if (opts.json) return printJson(member);
      print(`${member.user} is ${member.role} in project ${member.project}`);
    });
  });
  trackingCommand(
    projects
      .command('assign')
      .argument('<kind>', 'experiment, model, dataset, deployment or pipeline')
      .argument('<name>', 'its name (an experiment by name or id)')
      .argument('<project>', 'the project to move it into (default takes it out of any other)')
      .description(
        "Move an object into a project: the project's roles then decide who may read and change it, and its runs, predictions and alert rules follow it",
      ),
    [
      'mloop projects assign model churn fraud',
      'mloop projects assign experiment churn-training fraud --json',
    ],
  ).action(async (kind: string, name: string, project: string, opts: CommonOptions) => {
    await withGovernance(opts, async (ops) => {
      const assigned = await ops.assign(project, kind, name);
      if (opts.json) return printJson(assigned);
      print(`${kind} ${name} is in project ${assigned.project}`);
    });
  });
  trackingCommand(
    projects
      .command('objects')
      .argument('<project>', 'project name')
      .description('List the objects assigned to a project'),
    ['mloop projects objects fraud', 'mloop projects objects fraud --json'],
  ).action(async (project: string, opts: CommonOptions) => {
    await withGovernance(opts, async (ops) => {
      const objects = await ops.projectObjects(project);
      if (opts.json) return printJson(objects);
      print(
        renderTable(
          ['KIND', 'KEY'],
          objects.map((o) => [o.kind, o.key]),
        ),
      );
    });
  });
  trackingCommand(
    projects
      .command('members')
      .argument('[project]', 'project name', 'default')
      .description('List the members of a project'),
    ['mloop projects members', 'mloop projects members fraud --json'],
  ).action(async (project: string, opts: CommonOptions) => {
    await withGovernance(opts, async (ops) => {
      const members = await ops.members(project);
      if (opts.json) return printJson(members);
      print(
        renderTable(
          ['USER', 'ROLE'],
          members.map((m) => [m.user, m.role]),
        ),
      );
    });
  });
}
