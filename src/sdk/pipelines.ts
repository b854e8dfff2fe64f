import type { StoredPipeline } from '../pipelines/pipeline-store.js';
import type { ParamValue, PipelineRun } from '../pipelines/types.js';
import { encodePath, type HttpClient } from './http.js';

export interface StartPipelineRunInput {
  /** Overrides of the pipeline's declared params. */
  params?: Record<string, ParamValue>;
  /** Rerun every step even when its cache key matches an earlier run. */
  noCache?: boolean;
}

/** Pipelines on a mloop server (`/api/v1/pipelines`, `/api/v1/pipeline-runs`); runs execute on the server. */
export class PipelinesClient {
  constructor(private readonly http: HttpClient) {}

  /** Registers (or replaces) a pipeline from its YAML; errors name the step and field. */
  async register(yaml: string): Promise<StoredPipeline> {
    return this.http.json<StoredPipeline>('POST', '/api/v1/pipelines', { json: { yaml } });
  }

  async list(): Promise<StoredPipeline[]> {
    return (await this.http.json<{ pipelines: StoredPipeline[] }>('GET', '/api/v1/pipelines')).pipelines;
  }

  async get(name: string): Promise<StoredPipeline> {
    return this.http.json<StoredPipeline>('GET', `/api/v1/pipelines/${encodePath(name)}`);
  }

  /** Starts a run and returns it as it starts (status RUNNING); follow it with `getRun` or `waitForRun`. */
  async start(name: string, input: StartPipelineRunInput = {}): Promise<PipelineRun> {
    return this.http.json<PipelineRun>('POST', `/api/v1/pipelines/${encodePath(name)}/runs`, {
      json: {
        ...(input.params ? { params: input.params } : {}),
        ...(input.noCache ? { no_cache: true } : {}),
      },
    });
  }

  /** Runs of a pipeline, newest first. */
  async listRuns(name: string, maxResults?: number): Promise<PipelineRun[]> {
    const { runs } = await this.http.json<{ runs: PipelineRun[] }>(
      'GET',
      `/api/v1/pipelines/${encodePath(name)}/runs`,
      {
        query: { max_results: maxResults },
      },
    );
    return runs;
  }

  /** A run with each step's status, attempts, cache key and outputs. */
  async getRun(id: string): Promise<PipelineRun> {
    return this.http.json<PipelineRun>('GET', `/api/v1/pipeline-runs/${encodePath(id)}`);
  }

  /** Polls a run until it is no longer RUNNING (or `timeoutMs` passes, which throws). */
  async waitForRun(id: string, options: { timeoutMs?: number; pollMs?: number } = {}): Promise<PipelineRun> {
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    for (;;) {
      const run = await this.getRun(id);
      if (run.status !== 'RUNNING') return run;
      if (Date.now() > deadline)
        throw new Error(`pipeline run ${id} still running after ${options.timeoutMs ?? 600_000} ms`);
      await new Promise((r) => setTimeout(r, options.pollMs ?? 500));
    }
  }

  async cancel(id: string): Promise<PipelineRun> {
    return this.http.json<PipelineRun>('POST', `/api/v1/pipeline-runs/${encodePath(id)}/cancel`);
  }

  /**
   * Fails a running run at once, without waiting for the server driving it (one that crashed or
   * was cut off); `rerun` resumes it. The server still driving it, if any, stops its steps.
   */
  async abandon(id: string): Promise<PipelineRun> {
    return this.http.json<PipelineRun>('POST', `/api/v1/pipeline-runs/${encodePath(id)}/abandon`);
  }

  /** Resumes a failed or cancelled run from its failed steps. */
  async rerun(id: string): Promise<PipelineRun> {
    return this.http.json<PipelineRun>('POST', `/api/v1/pipeline-runs/${encodePath(id)}/rerun`);
  }

  /** The text log of a step's latest attempt. */
  async stepLog(id: string, step: string): Promise<string> {
    const response = await this.http.send(
      'GET',
      `/api/v1/pipeline-runs/${encodePath(id)}/steps/${encodePath(step)}/logs`,
    );
    return response.text();
  }
}
