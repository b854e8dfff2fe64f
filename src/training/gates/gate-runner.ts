import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { invalidParameter } from '../../core/errors.js';
import type { StoredGateReport } from '../../registry/gates/types.js';
import { loadTrainingTable } from '../data/load-table.js';
import { evaluateGate, type ScorableModel } from './gate-evaluator.js';
import { gateSpecOf, parseGateSpec, type GateSpec } from './gate-spec.js';

/** A loaded model the runner releases when done. */
export type LoadedModel = ScorableModel & { release(): Promise<void> };

/**
 * What a gate run needs from its neighbours, as ports the platform fills: the registry's
 * versions, aliases and gate store, serving's runtime, and the data domain's dataset files.
 */
export interface GateRunnerPorts {
  /** The version an alias points at, or undefined when the alias does not exist. */
  aliasVersion(name: string, alias: string): Promise<number | undefined>;
  /** Loads a registered version for scoring (fails when it is not a servable ONNX model). */
  loadModel(name: string, version: number): Promise<LoadedModel>;
  /** The local file of a dataset version (`NAME/VERSION`, `NAME@DIGEST`). */
  datasetFile(ref: string): Promise<string>;
  gates: {
    getGate(name: string): Promise<Record<string, unknown> | undefined>;
    setGate(name: string, spec: Record<string, unknown>): Promise<void>;
    record(name: string, version: number, report: StoredGateReportInput): Promise<StoredGateReport>;
  };
}

type StoredGateReportInput = Omit<StoredGateReport, 'id' | 'name' | 'version' | 'time'>;

export interface GateRunRequest {
  name: string;
  version: number;
  /** A CSV/Parquet/JSON file, or a dataset version `NAME/VERSION`. */
  holdout: string;
  /** The gate as YAML/JSON text or an object; when absent, the gate the model holds. */
  gate?: string | Record<string, unknown> | undefined;
  /** Overrides the gate's label column. */
  label?: string | undefined;
  /** Also hold the model to this gate from now on (promotions need a passing report). */
  save?: boolean | undefined;
  /** Only dataset versions, never a path: what a server accepts from a remote caller. */
  datasetsOnly?: boolean | undefined;
}

/** Runs evaluation gates on registered versions and stores their reports on the versions. */
export class GateRunner {
  constructor(private readonly ports: GateRunnerPorts) {}

  /** Scores the version (and `compare_to`'s) on the holdout, checks the gate, stores the report. */
  async run(request: GateRunRequest): Promise<StoredGateReport> {
    const raw = await this.gateOf(request);
    const spec: GateSpec = { ...(typeof raw === 'string' ? parseGateSpec(raw) : gateSpecOf(raw)) };
    if (request.label) spec.label = request.label;
    const { path, name: holdoutName } = await this.holdoutOf(request.holdout, request.datasetsOnly ?? false);
    const holdout = await loadTrainingTable(path);
    const candidate = await this.ports.loadModel(request.name, request.version);
    let baseline: LoadedModel | undefined;
    try {
      const alias = spec.compareTo?.alias;
      const baselineVersion = alias ? await this.ports.aliasVersion(request.name, alias) : undefined;
      if (alias && baselineVersion !== undefined)
        baseline = await this.ports.loadModel(request.name, baselineVersion);
      const report = await evaluateGate({
        spec,
        holdout,
        holdoutName,
        candidate,
        baseline:
          alias && baseline && baselineVersion !== undefined
            ? { alias, version: baselineVersion, model: baseline }
            : undefined,
      });
      if (request.save && request.gate !== undefined) {
        await this.ports.gates.setGate(
          request.name,
          typeof raw === 'string' ? (parseYaml(raw) as Record<string, unknown>) : raw,
        );
      }
      return await this.ports.gates.record(request.name, request.version, report);
    } finally {
      await candidate.release();
      await baseline?.release();
    }
  }

  private async gateOf(request: GateRunRequest): Promise<string | Record<string, unknown>> {
    if (request.gate !== undefined) return request.gate;
    const held = await this.ports.gates.getGate(request.name);
    if (!held)
      throw invalidParameter('gate', `model '${request.name}' holds no gate: give one with --gate gate.yaml`);
    return held;
  }

  private async holdoutOf(ref: string, datasetsOnly: boolean): Promise<{ path: string; name: string }> {
    if (!datasetsOnly && existsSync(ref)) return { path: ref, name: basename(ref) };
    if (/^[^/\\]+[/@][^/\\]+$/.test(ref) && !/\.(csv|tsv|parquet|json|jsonl|ndjson)$/i.test(ref)) {
      return { path: await this.ports.datasetFile(ref), name: ref };
    }
    throw invalidParameter(
      'holdout',
      datasetsOnly
        ? `"${ref}" is not a dataset version: give NAME/VERSION (add the file with \`mloop data add\` first)`
        : `no file at "${ref}" and it is not a dataset version NAME/VERSION`,
    );
  }
}
