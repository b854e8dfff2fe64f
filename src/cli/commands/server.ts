import type { Command } from 'commander';
import { loadConfig } from '../../core/config.js';

export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description('Run the mloop server: REST API, MLflow-compatible tracking, OpenAPI at /openapi.json')
    .option('--host <host>', 'interface to listen on (MLOOP_HOST)')
    .option('--port <port>', 'port to listen on; 0 picks a free one (MLOOP_PORT)', (v) => Number(v))
    .option('--database-url <url>', 'sqlite:PATH or postgres://… (MLOOP_DATABASE_URL)')
    .option('--artifact-root <dir>', 'directory for artifacts (MLOOP_ARTIFACT_ROOT)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug (MLOOP_LOG_LEVEL)')
    .action(
      async (opts: {
        host?: string;
        port?: number;
        databaseUrl?: string;
        artifactRoot?: string;
        logLevel?: string;
      }) => {
        const config = loadConfig({
          host: opts.host,
          port: opts.port,
          databaseUrl: opts.databaseUrl,
          artifactRoot: opts.artifactRoot,
          logLevel: opts.logLevel,
        });
        // Imported here, not at the top: `mloop server --help` should not load Fastify and every domain.
        const [{ buildServer }, { createLogger }, { openPlatform }] = await Promise.all([
          import('../../api/server.js'),
          import('../../core/logging.js'),
          import('../../platform.js'),
        ]);
        const logger = createLogger(config.logLevel);
        const platform = await openPlatform(config, { serving: { logger }, deployments: { logger } });
        const app = await buildServer(platform, {
          logger,
          rolloutIntervalMs: config.rolloutIntervalMs,
          alertIntervalMs: config.alertIntervalMs,
        });
        const address = await app.listen({ host: config.host, port: config.port });
        process.stdout.write(`mloop server listening on ${address.replace('[::1]', 'localhost')}\n`);
        process.stdout.write(
          `  database: ${platform.database.dialect}   artifacts: ${config.artifactRoot}   OpenAPI: ${address}/openapi.json\n`,
        );

        let closing = false;
        const shutdown = async (signal: string) => {
          if (closing) return;
          closing = true;
          logger.info({ signal }, 'shutting down: finishing in-flight requests');
          await app.close();
          await platform.close();
          process.exit(0);
        };
        process.on('SIGTERM', () => void shutdown('SIGTERM'));
        process.on('SIGINT', () => void shutdown('SIGINT'));
      },
    );
}
