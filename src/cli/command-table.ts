import type { Command } from 'commander';

/**
 * One top-level `mloop` command as the top-level help shows it, and how to load the module that
 * registers it. The CLI imports only the module of the command being run, so `mloop runs list`
 * does not pay for the server, onnxruntime or DuckDB at startup; `command-table.test.ts` checks
 * that `term` and `description` match what each module registers.
 */
export interface CommandEntry {
  name: string;
  /** The command's term in the top-level help: its name, `[options]` and arguments. */
  term: string;
  description: string;
  register: () => Promise<(program: Command) => void>;
}

/** Some modules register more than one command (train and tune), or extend another (monitor). */
const registerTrain = async () => (await import('./commands/train.js')).registerTrainCommand;
const registerAccess = async () => (await import('./commands/access.js')).registerAccessCommands;
const registerBackup = async () => (await import('./commands/backup.js')).registerBackupCommands;

export const commandTable: readonly CommandEntry[] = [
  {
    name: 'server',
    term: 'server [options]',
    description: 'Run the mloop server: REST API, MLflow-compatible tracking, OpenAPI at /openapi.json',
    register: async () => (await import('./commands/server.js')).registerServerCommand,
  },
  {
    name: 'serve',
    term: 'serve [options] <model>',
    description:
      'Serve one registered model over HTTP: /predict, /invocations (MLflow formats), /v2 (Open Inference Protocol), /health, /metrics',
    register: async () => (await import('./commands/serve.js')).registerServeCommand,
  },
  {
    name: 'experiments',
    term: 'experiments',
    description: 'Manage experiments: named groups of runs',
    register: async () => (await import('./commands/experiments.js')).registerExperimentsCommand,
  },
  {
    name: 'runs',
    term: 'runs',
    description: 'Inspect and manage runs: what training code logged',
    register: async () => (await import('./commands/runs.js')).registerRunsCommand,
  },
  {
    name: 'models',
    term: 'models',
    description: 'The model registry: versions of trained models, their lineage, aliases and promotions',
    register: async () => (await import('./commands/models.js')).registerModelsCommand,
  },
  {
    name: 'deployments',
    term: 'deployments',
    description: 'Manage deployments: a primary model version plus a canary, shadow or A/B candidate',
    register: async () => (await import('./commands/deployments.js')).registerDeploymentsCommand,
  },
  {
    name: 'drift',
    term: 'drift [options] <reference> <current>',
    description: 'Compare current data with reference data, column by column (Parquet, CSV or JSON files)',
    register: async () => (await import('./commands/drift.js')).registerDriftCommand,
  },
  {
    name: 'predict',
    term: 'predict [options] <model>',
    description:
      'Score a CSV, Parquet or JSON-lines file with a registered model and write the predictions to a file',
    register: async () => (await import('./commands/predict.js')).registerPredictCommand,
  },
  {
    name: 'data',
    term: 'data',
    description: 'Datasets: versioned data files, their profiles and validation suites',
    register: async () => (await import('./commands/data.js')).registerDataCommand,
  },
  {
    name: 'monitor',
    term: 'monitor',
    description: 'Watch served models: drift and data-quality reports, alert rules and alerts',
    register: async () => {
      const [monitor, performance] = await Promise.all([
        import('./commands/monitor.js'),
        import('./commands/monitor-performance.js'),
      ]);
      return (program) => {
        monitor.registerMonitorCommand(program);
        performance.registerMonitorPerformanceCommand(program);
      };
    },
  },
  {
    name: 'feedback',
    term: 'feedback',
    description: 'Ground truth for logged predictions: attach labels, export labelled predictions',
    register: async () => (await import('./commands/feedback.js')).registerFeedbackCommand,
  },
  {
    name: 'train',
    term: 'train [options]',
    description: 'Train a tabular model (preprocessing folded into ONNX) as a tracked run, and register it',
    register: registerTrain,
  },
  {
    name: 'tune',
    term: 'tune [options]',
    description: 'Search hyperparameters: each trial a nested run; the best by a metric wins',
    register: registerTrain,
  },
  {
    name: 'tokens',
    term: 'tokens',
    description: 'API tokens: create (shown once), list, revoke',
    register: registerAccess,
  },
  {
    name: 'projects',
    term: 'projects',
    description: 'Projects: who holds which role (viewer, editor, maintainer, admin)',
    register: registerAccess,
  },
  {
    name: 'audit',
    term: 'audit [options]',
    description: 'The audit log of every change and refused attempt: filter, export, verify its hash chain',
    register: async () => (await import('./commands/audit.js')).registerAuditCommand,
  },
  {
    name: 'promotions',
    term: 'promotions',
    description: 'Four-eyes promotions of protected aliases: one maintainer requests, another approves',
    register: async () => (await import('./commands/promotions.js')).registerPromotionsCommand,
  },
  {
    name: 'lineage',
    term: 'lineage [options] <kind> <id>',
    description: 'Walk lineage: a prediction to its model version, run, code, parameters and data, and back',
    register: async () => (await import('./commands/lineage.js')).registerLineageCommand,
  },
  {
    name: 'privacy',
    term: 'privacy',
    description: 'Personal data: forget a subject (its logged predictions and labels)',
    register: async () => (await import('./commands/privacy.js')).registerPrivacyCommand,
  },
  {
    name: 'pipelines',
    term: 'pipelines',
    description: 'Run DAGs of steps with caching, retries and triggers; inspect their runs',
    register: async () => (await import('./commands/pipelines.js')).registerPipelinesCommand,
  },
  {
    name: 'migrate',
    term: 'migrate [options]',
    description: "Bring the database's schema up to date (MLOOP_DATABASE_URL), then exit",
    register: async () => (await import('./commands/migrate.js')).registerMigrateCommand,
  },
  {
    name: 'migrate-artifacts',
    term: 'migrate-artifacts [options]',
    description:
      'Copy an artifact store to another (a directory to S3, say), verifying every file; resumable',
    register: async () => (await import('./commands/migrate-artifacts.js')).registerMigrateArtifactsCommand,
  },
  {
    name: 'gc',
    term: 'gc [options]',
    description:
      'Remove artifacts of deleted experiments, runs and model versions (local or S3), never a live version’s files',
    register: async () => (await import('./commands/gc.js')).registerGcCommand,
  },
  {
    name: 'backup',
    term: 'backup [options] <dir>',
    description:
      'Back up the embedded store while it runs: SQLite through its online backup API, and the artifacts',
    register: registerBackup,
  },
  {
    name: 'restore',
    term: 'restore [options] <dir>',
    description: 'Restore a backup into a fresh home (MLOOP_HOME), on this machine or another',
    register: registerBackup,
  },
  {
    name: 'completion',
    term: 'completion <shell>',
    description: 'Print shell completion for bash, zsh or fish (commands, subcommands and options)',
    register: async () => (await import('./commands/completion.js')).registerCompletionCommand,
  },
  {
    name: 'worker',
    term: 'worker [options]',
    description: 'Run pipeline steps sent through Redis by `mloop pipelines run --executor bullmq`',
    register: async () => (await import('./commands/worker.js')).registerWorkerCommand,
  },
];

/**
 * The entries a command line needs: the one its first word names (`mloop help <word>` included),
 * none for the top-level help and version, and all of them for an unknown word so commander can
 * say "unknown command" and suggest the nearest one.
 */
export function entriesFor(args: readonly string[]): readonly CommandEntry[] | 'help-only' {
  const words = args.filter((a) => !a.startsWith('-'));
  const word = words[0] === 'help' ? words[1] : words[0];
  if (word === undefined) return 'help-only';
  const entry = commandTable.find((e) => e.name === word);
  return entry ? [entry] : commandTable;
}
