import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/events.js';
import type { Logger } from '../core/logging.js';
import type { Database } from '../store/database.js';
import type { PersonalData } from './personal-data.js';
import { PredictionJournal } from './prediction-journal.js';
import { PredictionLog, type PredictionLogOptions } from './prediction-log.js';
import { PredictionService } from './prediction-service.js';
import { ServedModels, type ModelSource, type ServedModelsOptions } from './served-models.js';
import { ServingMetrics } from './serving-metrics.js';
import type { PythonModelFiles } from './python/local-model-files.js';
import type { PythonEnvironments } from './python/python-environments.js';
import { pythonRuntimeLoader, type PythonServingSettings } from './python/python-serving.js';
import type { ServingTables } from './tables.js';

/** Serving's services as the platform holds them. */
export interface ServingServices {
  /** Loaded models by reference, hot-swapped when aliases move. */
  models: ServedModels;
  /** Scores records, logs predictions, counts requests. */
  predictions: PredictionService;
  /** Every prediction, written in background batches. */
  log: PredictionLog;
  /** Prometheus series, exposed at `/metrics`. */
  metrics: ServingMetrics;
  /** The Python environments of models the Python runtime serves, when it is configured. */
  pythonEnvironments: PythonEnvironments | undefined;
  /** Stops following the registry, writes queued predictions, releases models. */
  close(): Promise<void>;
}

export interface ServingOptions {
  models?: Omit<ServedModelsOptions, 'logger' | 'onSwap'>;
  log?: Omit<PredictionLogOptions, 'onWriteError' | 'journal'>;
  /** Directory of the prediction log's journal (answered predictions not yet in the database). */
  journalDir?: string;
  logger?: Logger;
}

export interface ServingDependencies {
  database: Database;
  clock: Clock;
  events: EventBus;
  source: ModelSource;
  /** Redacts or hashes the inputs a model marks personal before they are logged. */
  personalData: PersonalData;
  /** MLflow models without ONNX, served by Python workers; without it only ONNX is served. */
  python?: { files: PythonModelFiles; settings: PythonServingSettings } | undefined;
}

/** Wires serving to one database, clock, event bus and model source. */
export function createServingServices(
  deps: ServingDependencies,
  options: ServingOptions = {},
): ServingServices {
  const logger = options.logger;
  const log = new PredictionLog(deps.database.tables<ServingTables>(), {
    ...options.log,
    ...(options.journalDir ? { journal: new PredictionJournal(options.journalDir) } : {}),
    onWriteError: (error) => logger?.error({ err: error }, 'prediction log write failed; will retry'),
  });
  const metrics = new ServingMetrics({ predictionLog: () => log.stats() });
  // Serving, gates and batch scoring in this process all load through the registry's check.
  deps.events.on('registry.files-tampered', (e) =>
    metrics.tamperedFiles.inc({ model: e.name, version: String(e.version) }),
  );
  const python = deps.python
    ? pythonRuntimeLoader(deps.python.files, deps.python.settings, {
        logger,
        onRestart: (v) => metrics.pythonWorkerRestarts.inc({ model: v.name, version: String(v.version) }),
      })
    : undefined;
  const models = new ServedModels(deps.source, deps.events, {
    ...options.models,
    ...(python ? { loadRuntime: python.load } : {}),
    ...(logger ? { logger } : {}),
    onSwap: (ref) => metrics.swaps.inc({ model: ref.split(/[@/]/)[0] ?? ref }),
  });
  return {
    models,
    predictions: new PredictionService(models, log, metrics, deps.clock, deps.personalData),
    log,
    metrics,
    pythonEnvironments: python?.environments,
    async close() {
      await models.close();
      await log.close();
    },
  };
}
