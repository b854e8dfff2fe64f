import { dirname, join } from 'node:path';
import { startProcess, type StartedProcess } from '../tracking/child-processes.js';
import { freePort } from '../tracking/servers.js';
import type { BenchModel } from './model.js';

const STARTUP_TIMEOUT_MS = 180_000;

export interface ModelServer {
  url: string;
  process: StartedProcess;
}

/**
 * Starts `mlflow models serve -m <logged model> --env-manager local` on the local MLflow store and
 * waits until /health answers. The venv's bin directory goes first on PATH: MLflow execs
 * `uvicorn` by name for its scoring server.
 */
export async function startMlflowModelServer(
  python: string,
  model: { mlflow: Pick<BenchModel['mlflow'], 'modelUri' | 'trackingUri'> },
  workers: number,
  logDir: string,
): Promise<ModelServer> {
  const port = await freePort();
  const bin = dirname(python);
  const started = startProcess(
    join(bin, 'mlflow'),
    [
      'models',
      'serve',
      '-m',
      model.mlflow.modelUri,
      '--env-manager',
      'local',
      '--host',
      '127.0.0.1',
      '-p',
      String(port),
      '--workers',
      String(workers),
    ],
    {
      cwd: logDir,
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        MLFLOW_TRACKING_URI: model.mlflow.trackingUri,
      },
      logPath: join(logDir, 'mlflow-models-serve.log'),
    },
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, started);
  } catch (error) {
    await started.stop();
    throw new Error(`${(error as Error).message}\n--- server log ---\n${started.logTail()}`);
  }
  return { url, process: started };
}

async function waitForHealth(url: string, started: StartedProcess): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (started.child.exitCode !== null || started.child.signalCode !== null) {
      throw new Error(`mlflow models serve exited (code ${started.child.exitCode}) before it was healthy`);
    }
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`mlflow models serve did not answer /health within ${STARTUP_TIMEOUT_MS / 1000} s`);
}
