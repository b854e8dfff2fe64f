import type { Command } from 'commander';
import { loadConfig } from '../../core/config.js';
import { invalidParameter } from '../../core/errors.js';
import { grpcPortOption } from '../grpc-port-option.js';
import { pythonEnvManagerOption, pythonWorkersOption } from '../python-options.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'Serve one registered model over HTTP: /predict, /invocations (MLflow formats), /v2 (Open Inference Protocol), /health, /metrics',
    )
    .argument(
      '<model>',
      'NAME@ALIAS (follows the alias as it moves), NAME/VERSION, or NAME (champion, else newest)',
    )
    .option('--host <host>', 'interface to listen on (MLOOP_HOST)')
    .option('--port <port>', 'port to listen on; 0 picks a free one (MLOOP_PORT)', (v) => Number(v))
    .option('--database-url <url>', 'sqlite:PATH or postgres://… (MLOOP_DATABASE_URL)')
    .option('--artifact-root <dir>', 'directory for artifacts (MLOOP_ARTIFACT_ROOT)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug (MLOOP_LOG_LEVEL)')
    .option('--auth <mode>', 'on, off, or auto: tokens required unless listening on loopback (MLOOP_AUTH)')
    .option(
      '--url <url>',
      "take the model from the registry server at this URL (MLOOP_URL), files checked against their sha256, instead of this machine's store",
    )
    .option('--tracking-uri <url>', 'the same as --url, as MLflow names it')
    .option(grpcPortOption.flags, grpcPortOption.description, grpcPortOption.parse)
    .option(pythonWorkersOption.flags, pythonWorkersOption.description, pythonWorkersOption.parse)
    .option(pythonEnvManagerOption.flags, pythonEnvManagerOption.description)
    .option(
      '--refresh-interval <ms>',
      'how often to check whether the alias moved, in milliseconds (default 2000; 0: never)',
      (v) => Number(v),
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ mloop serve churn@champion --port 8080\n  $ mloop serve churn@champion --url http://registry:5050\n  $ curl -X POST localhost:8080/predict -H content-type:application/json -d \'{"record": {"tenure": 12}}\'\n',
    )
    .action(
      async (
        model: string,
        opts: {
          host?: string;
          port?: number;
          databaseUrl?: string;
          artifactRoot?: string;
          logLevel?: string;
          auth?: 'on' | 'off' | 'auto';
          url?: string;
          trackingUri?: string;
          refreshInterval?: number;
          grpcPort?: number;
          pythonWorkers?: number;
          pythonEnvManager?: 'local' | 'virtualenv';
        },
      ) => {
        const refresh = opts.refreshInterval;
        if (refresh !== undefined && (!Number.isInteger(refresh) || refresh < 0)) {
          throw invalidParameter(
            'refresh-interval',
            '--refresh-interval must be a whole number of milliseconds',
          );
        }
        const config = loadConfig({
          host: opts.host,
          port: opts.port,
          grpcPort: opts.grpcPort,
          databaseUrl: opts.databaseUrl,
          artifactRoot: opts.artifactRoot,
          logLevel: opts.logLevel,
          auth: opts.auth,
          url: opts.url ?? opts.trackingUri,
          pythonWorkers: opts.pythonWorkers,
          pythonEnvManager: opts.pythonEnvManager,
        });
        // Imported here, not at the top: `mloop serve --help` should not load Fastify and every domain.
        const [
          { buildModelServer, modelServerAddress },
          { createLogger },
          { openPlatform },
          { authEnabled },
          { startGrpcServer },
        ] = await Promise.all([
          import('../../api/model-server.js'),
          import('../../core/logging.js'),
          import('../../platform.js'),
          import('../../api/auth.js'),
          import('../../api/grpc-server.js'),
        ]);
        const auth = authEnabled(config.auth, config.host);
        const logger = createLogger(config.logLevel);
        // From a registry server, the version's files are downloaded and checked against their
        // sha256 as `mloop predict --url` does; the alias is followed by asking the server.
        const modelSource = config.url
          ? (await import('../backends/remote-model-source.js')).remoteModelSource(config.url)
          : undefined;
        const platform = await openPlatform(config, {
          ...(modelSource ? { modelSource } : {}),
          serving: { logger, ...(refresh !== undefined ? { models: { refreshIntervalMs: refresh } } : {}) },
        });
        platform.serving.metrics.exportProcessMetrics();
        let app;
        try {
          app = await buildModelServer(platform, model, { logger, auth });
        } catch (error) {
          await platform.close();
          throw error;
        }
        const address = await app.listen({ host: config.host, port: config.port });
        const grpc =
          config.grpcPort === undefined
            ? undefined
            : await startGrpcServer(platform, modelServerAddress(platform, model), {
                host: config.host,
                port: config.grpcPort,
                auth,
                logger,
              });
        const version = platform.serving.models.currentVersion(model);
        process.stdout.write(`mloop serve listening on ${address.replace('[::1]', 'localhost')}\n`);
        process.stdout.write(
          `  model: ${model} (version ${version ?? '?'})   ${config.url ? `registry: ${config.url}   predictions: ${platform.database.dialect}` : `database: ${platform.database.dialect}`}\n`,
        );
        if (grpc) process.stdout.write(`  gRPC: Open Inference Protocol on ${config.host}:${grpc.port}\n`);
        process.stdout.write(
          auth
            ? '  auth: on (Authorization: Bearer mlp_…)\n'
            : '  auth: off (tokens are not required; --auth on to require them)\n',
        );

        let closing = false;
        const shutdown = async (signal: string) => {
          if (closing) return;
          closing = true;
          logger.info({ signal }, 'shutting down: finishing in-flight requests, writing the prediction log');
          await grpc?.close();
          await app.close();
          await platform.close();
          process.exit(0);
        };
        process.on('SIGTERM', () => void shutdown('SIGTERM'));
        process.on('SIGINT', () => void shutdown('SIGINT'));
      },
    );
}
