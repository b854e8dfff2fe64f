import type { Command } from 'commander';
import { join } from 'node:path';
import { loadConfig } from '../../core/config.js';
import { drainOnSignals } from '../../core/shutdown.js';
import { LOCAL_ADMIN_TOKEN_FILE } from '../../governance/local-admin-token.js';
import { grpcPortOption } from '../grpc-port-option.js';
import { pythonEnvManagerOption, pythonWorkersOption } from '../python-options.js';

export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description('Run the mloop server: REST API, MLflow-compatible tracking, OpenAPI at /openapi.json')
    .option('--host <host>', 'interface to listen on (MLOOP_HOST)')
    .option('--port <port>', 'port to listen on; 0 picks a free one (MLOOP_PORT)', (v) => Number(v))
    .option('--database-url <url>', 'sqlite:PATH or postgres://… (MLOOP_DATABASE_URL)')
    .option('--artifact-root <dir>', 'directory for artifacts (MLOOP_ARTIFACT_ROOT)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug (MLOOP_LOG_LEVEL)')
    .option('--auth <mode>', 'on, off, or auto: tokens required unless listening on loopback (MLOOP_AUTH)')
    .option(
      '--allowed-origins <origins>',
      'comma-separated browser origins besides this server that may change state and read answers (CORS) (MLOOP_ALLOWED_ORIGINS)',
    )
    .option(
      '--allowed-hosts <hosts>',
      "comma-separated Host names accepted besides the listen address, localhost and 127.0.0.1 ('.example.com' for subdomains, '*' for any) (MLOOP_ALLOWED_HOSTS)",
    )
    .option(grpcPortOption.flags, grpcPortOption.description, grpcPortOption.parse)
    .option(pythonWorkersOption.flags, pythonWorkersOption.description, pythonWorkersOption.parse)
    .option(pythonEnvManagerOption.flags, pythonEnvManagerOption.description)
    .option(
      '--redis <url>',
      'run pipeline steps on `mloop worker` processes through this Redis (MLOOP_REDIS_URL)',
    )
    .action(
      async (opts: {
        host?: string;
        port?: number;
        databaseUrl?: string;
        artifactRoot?: string;
        logLevel?: string;
        auth?: 'on' | 'off' | 'auto';
        redis?: string;
        grpcPort?: number;
        allowedOrigins?: string;
        allowedHosts?: string;
        pythonWorkers?: number;
        pythonEnvManager?: 'local' | 'virtualenv';
      }) => {
        const config = loadConfig({
          host: opts.host,
          port: opts.port,
          grpcPort: opts.grpcPort,
          databaseUrl: opts.databaseUrl,
          artifactRoot: opts.artifactRoot,
          logLevel: opts.logLevel,
          auth: opts.auth,
          redisUrl: opts.redis,
          allowedOrigins: opts.allowedOrigins?.split(','),
          allowedHosts: opts.allowedHosts?.split(','),
          pythonWorkers: opts.pythonWorkers,
          pythonEnvManager: opts.pythonEnvManager,
        });
        // Imported here, not at the top: `mloop server --help` should not load Fastify and every domain.
        const [
          { buildServer },
          { createLogger },
          { openPlatform },
          { authEnabled },
          { guardUnhandledRejections },
          { startGrpcServer },
          { registryAddress },
        ] = await Promise.all([
          import('../../api/server.js'),
          import('../../core/logging.js'),
          import('../../platform.js'),
          import('../../api/auth.js'),
          import('../../core/background.js'),
          import('../../api/grpc-server.js'),
          import('../../api/serving/model-address.js'),
        ]);
        const logger = createLogger(config.logLevel);
        const platform = await openPlatform(config, { serving: { logger }, deployments: { logger } });
        platform.serving.metrics.exportProcessMetrics();
        // A failed promise nobody awaited is logged and counted on /metrics; the server keeps answering.
        guardUnhandledRejections(platform.background);
        const app = await buildServer(platform, {
          logger,
          rolloutIntervalMs: config.rolloutIntervalMs,
          alertIntervalMs: config.alertIntervalMs,
          auth: authEnabled(config.auth, config.host),
        });
        const address = (await app.listen({ host: config.host, port: config.port })).replace(
          '[::1]',
          'localhost',
        );
        const grpc =
          config.grpcPort === undefined
            ? undefined
            : await startGrpcServer(platform, registryAddress(), {
                host: config.host,
                port: config.grpcPort,
                auth: authEnabled(config.auth, config.host),
                logger,
              });
        // Pipeline steps this server runs (TypeScript steps and shell commands) reach it here.
        process.env.MLOOP_SERVER_URL = address;
        process.stdout.write(`mloop server listening on ${address}\n`);
        process.stdout.write(
          `  database: ${platform.database.dialect}   artifacts: ${config.artifactRoot}   OpenAPI: ${address}/openapi.json\n`,
        );
        if (grpc) process.stdout.write(`  gRPC: Open Inference Protocol on ${config.host}:${grpc.port}\n`);
        if (config.redisUrl)
          process.stdout.write(
            `  pipelines: steps run on mloop worker processes through ${config.redisUrl}\n`,
          );
        if (!authEnabled(config.auth, config.host))
          process.stdout.write(
            `  auth: off (tokens are not required; --auth on to require them); running pipelines needs the local admin token in ${join(config.home, LOCAL_ADMIN_TOKEN_FILE)}, which mloop and the SDK here send by themselves (paste it into the dashboard when it asks)\n`,
          );
        else if ((await platform.governance.tokens.count()) === 0)
          process.stdout.write(
            '  auth: on, but no token exists yet: create the first with `mloop tokens create admin --admin` in this directory\n',
          );
        else process.stdout.write('  auth: on (Authorization: Bearer mlp_…)\n');

        // SIGTERM drains (no new requests, in-flight ones and pipeline steps finish, the prediction
        // log is written) within the grace period; a second signal exits at once.
        drainOnSignals(async () => {
          await grpc?.close();
          await app.close();
          await platform.close();
        }, logger);
      },
    );
}
