import type { StoredGateReport } from '../registry/gates/types.js';
import { encodePath, type HttpClient } from './http.js';

export interface RunGateInput {
  /** A dataset version `NAME/VERSION` on the server. */
  holdout: string;
  /** The gate as an object (the YAML's shape); without it the model's own gate. */
  gate?: Record<string, unknown>;
  label?: string;
  /** Hold the model to this gate from now on. */
  save?: boolean;
}

/** Evaluation gates on a mloop server (`/api/v1/models/NAME/gate`, `…/versions/V/gate-reports`). */
export class GatesClient {
  constructor(private readonly http: HttpClient) {}

  /** Runs a gate on a version; the report (passed or not) is stored on the version and returned. */
  async run(name: string, version: number, input: RunGateInput): Promise<StoredGateReport> {
    return this.http.json<StoredGateReport>('POST', `${this.at(name)}/versions/${version}/gate-reports`, {
      json: input,
    });
  }

  /** A version's reports, newest first. */
  async reports(name: string, version: number): Promise<StoredGateReport[]> {
    const answer = await this.http.json<{ reports: StoredGateReport[] }>(
      'GET',
      `${this.at(name)}/versions/${version}/gate-reports`,
    );
    return answer.reports;
  }

  /** Holds a model to a gate: protected aliases then need a passing report. */
  async set(name: string, gate: Record<string, unknown>): Promise<void> {
    await this.http.json('PUT', `${this.at(name)}/gate`, { json: { gate } });
  }

  /** The gate a model is held to, or undefined. */
  async get(name: string): Promise<Record<string, unknown> | undefined> {
    return (
      (await this.http.json<{ gate: Record<string, unknown> | null }>('GET', `${this.at(name)}/gate`)).gate ??
      undefined
    );
  }

  private at(name: string): string {
    return `/api/v1/models/${encodePath(name)}`;
  }
}
