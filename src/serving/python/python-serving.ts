import type { Logger } from '../../core/logging.js';
import type { ResolvedVersion } from '../served-models.js';
import type { ScoringRuntime } from '../scoring-runtime.js';
import type { PythonModelFiles } from './local-model-files.js';
import { PythonEnvironments, type PythonEnvManager } from './python-environments.js';
import { PythonRuntime } from './python-runtime.js';

/** How Python models are served: the settings `python`, `pythonEnvManager` and `pythonWorkers`. */
export interface PythonServingSettings {
  /** The interpreter (MLOOP_PYTHON), or the base of the environments `virtualenv` builds. */
  python: string;
  envManager: PythonEnvManager;
  /** Worker processes per served version. */
  workers: number;
  /** mloop's home: environments and local model copies live under it. */
  home: string;
  /** Most records per batch sent to a worker, and the longest wait to fill one (see PythonRuntime). */
  maxBatchRecords?: number;
  maxWaitMs?: number;
}

/**
 * Loads the versions the Python runtime serves: undefined for any other version, which
 * onnxruntime serves. `onRestart` is told of each replaced worker (counted in `/metrics`).
 */
export function pythonRuntimeLoader(
  files: PythonModelFiles,
  settings: PythonServingSettings,
  hooks: { onRestart: (version: ResolvedVersion) => void; logger?: Logger | undefined },
): {
  load: (version: ResolvedVersion) => Promise<ScoringRuntime | undefined>;
  environments: PythonEnvironments;
} {
  const environments = new PythonEnvironments({
    python: settings.python,
    manager: settings.envManager,
    home: settings.home,
    logger: hooks.logger,
  });
  return {
    environments,
    async load(version) {
      const modelDir = await files(version);
      if (!modelDir) return undefined;
      const label = `${version.name}/${version.version}`;
      const python = await environments.interpreter(modelDir, label);
      hooks.logger?.info({ model: label, python, workers: settings.workers }, 'starting Python workers');
      return PythonRuntime.load({
        python,
        modelDir,
        label,
        workers: settings.workers,
        ...(settings.maxBatchRecords !== undefined ? { maxBatchRecords: settings.maxBatchRecords } : {}),
        ...(settings.maxWaitMs !== undefined ? { maxWaitMs: settings.maxWaitMs } : {}),
        logger: hooks.logger,
        onRestart: () => hooks.onRestart(version),
      });
    },
  };
}
