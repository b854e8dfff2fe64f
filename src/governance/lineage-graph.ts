import { invalidParameter, isMloopError, notFound } from '../core/errors.js';
import type { DatasetVersion } from '../data/types.js';
import type { ModelVersion } from '../registry/types.js';
import type { Deployment } from '../serving/deployments/types.js';
import type { LoggedPrediction } from '../serving/prediction-log.js';
import type { PipelineRun } from '../pipelines/types.js';
import { pipelineRunTag } from '../pipelines/runner.js';
import { gitCommitTag } from '../tracking/git-source.js';
import type { Page, Run } from '../tracking/types.js';

export const lineageKinds = ['prediction', 'model-version', 'run', 'dataset', 'deployment'] as const;
export type LineageKind = (typeof lineageKinds)[number];

export interface LineageNode {
  /** `KIND:KEY`, e.g. `model-version:churn/3`, `dataset:customers@<digest>`. */
  id: string;
  kind: LineageKind | 'commit' | 'pipeline-run';
  /** What the node is, in a few fields (parameters of a run, the digest of a dataset…). */
  attributes: Record<string, unknown>;
}

export interface LineageEdge {
  from: string;
  to: string;
  /** `scored_by`, `routed_by`, `serves`, `trained_in`, `ran_code`, `read`, `part_of`. */
  relation: string;
}

export interface LineageGraph {
  root: string;
  nodes: LineageNode[];
  edges: LineageEdge[];
}

/** What the graph reads, from upstream domains (governance sits downstream of all of them). */
export interface LineageSources {
  prediction(id: string): Promise<LoggedPrediction>;
  predictionsOf(model: string, maxResults: number): Promise<LoggedPrediction[]>;
  modelVersion(name: string, version: number): Promise<ModelVersion>;
  searchVersions(pageToken: string | undefined): Promise<Page<ModelVersion>>;
  /** The version a deployment's arm reference (alias or number) names now. */
  resolveVersion(model: string, ref: string): Promise<ModelVersion>;
  run(id: string): Promise<Run>;
  /** A pipeline run (what started it, its status), for runs a pipeline made. */
  pipelineRun(id: string): Promise<PipelineRun>;
  dataset(ref: string): Promise<DatasetVersion>;
  deployment(name: string): Promise<Deployment>;
  deployments(): Promise<Deployment[]>;
}

// Backwards walks list at most this many predictions per model version: enough to follow one,
// not a dump of the log (use GET /api/v1/predictions for that).
const PREDICTION_SAMPLE = 20;

/**
 * Walks lineage from one object: forward (a prediction → its model version, deployment, run,
 * code commit, parameters and datasets) and backward (a dataset version → the model versions
 * trained on it → the deployments serving them and their predictions).
 */
export class LineageGraphService {
  constructor(private readonly sources: LineageSources) {}

  async graph(kind: string, key: string): Promise<LineageGraph> {
    const walk = new Walk(this.sources);
    let root: string;
    switch (kind) {
      case 'prediction':
        root = await walk.prediction(await this.sources.prediction(key));
        break;
      case 'model-version': {
        const [name, version] = splitVersion(key);
        const mv = await this.sources.modelVersion(name, version);
        root = await walk.modelVersion(mv, true);
        await walk.usersOf(mv);
        break;
      }
      case 'run':
        root = await walk.run(key);
        await walk.versionsMadeBy(key);
        break;
      case 'dataset': {
        if (/^[0-9a-f]{32,64}$/.test(key)) {
          // A bare digest: the datasets are known by what the model versions recorded.
          await walk.versionsTrainedOn(key);
          root =
            [...walk.nodes.keys()].find((id) => id.startsWith('dataset:') && id.endsWith(`@${key}`)) ?? '';
          if (!root) throw notFound(`No model version records a dataset with digest ${key}`);
          break;
        }
        const version = await this.sources.dataset(key);
        root = walk.dataset(version.name, version.digest, `${version.name}/${version.version}`);
        await walk.versionsTrainedOn(version.digest);
        break;
      }
      case 'deployment':
        root = await walk.deployment(await this.sources.deployment(key), true);
        break;
      default:
        throw invalidParameter('kind', `kind must be one of ${lineageKinds.join(', ')}, got '${kind}'`);
    }
    return { root, nodes: [...walk.nodes.values()], edges: walk.edges };
  }
}

function splitVersion(key: string): [string, number] {
  const slash = key.lastIndexOf('/');
  const version = Number(key.slice(slash + 1));
  if (slash <= 0 || !Number.isInteger(version) || version < 1)
    throw invalidParameter('id', `a model version is NAME/VERSION (churn/3), got '${key}'`);
  return [key.slice(0, slash), version];
}

class Walk {
  readonly nodes = new Map<string, LineageNode>();
  readonly edges: LineageEdge[] = [];
  private readonly edgeKeys = new Set<string>();

  constructor(private readonly sources: LineageSources) {}

  private node(kind: LineageNode['kind'], key: string, attributes: Record<string, unknown>): string {
    const id = `${kind}:${key}`;
    if (!this.nodes.has(id)) this.nodes.set(id, { id, kind, attributes });
    return id;
  }

  private edge(from: string, to: string, relation: string): void {
    const key = `${from}\u0000${to}\u0000${relation}`;
    if (this.edgeKeys.has(key)) return;
    this.edgeKeys.add(key);
    this.edges.push({ from, to, relation });
  }

  async prediction(p: LoggedPrediction): Promise<string> {
    const id = this.node('prediction', p.id, { time: p.time, requestId: p.requestId, arm: p.arm });
    const mv = await optional(this.sources.modelVersion(p.model, p.version));
    const mvId = mv
      ? await this.modelVersion(mv, true)
      : this.node('model-version', `${p.model}/${p.version}`, { deleted: true });
    this.edge(id, mvId, 'scored_by');
    if (p.deployment) {
      const deployment = await optional(this.sources.deployment(p.deployment));
      const dId = deployment
        ? await this.deployment(deployment, false)
        : this.node('deployment', p.deployment, { deleted: true });
      this.edge(id, dId, 'routed_by');
    }
    return id;
  }

  async modelVersion(mv: ModelVersion, forward: boolean): Promise<string> {
    const id = this.node('model-version', `${mv.name}/${mv.version}`, {
      name: mv.name,
      version: mv.version,
      aliases: mv.aliases,
      source: mv.source,
    });
    if (!forward) return id;
    const { lineage } = mv;
    if (lineage.runId) this.edge(id, await this.run(lineage.runId), 'trained_in');
    for (const d of lineage.datasets) this.edge(id, this.dataset(d.name, d.digest, d.versionId), 'read');
    if (lineage.git) {
      const commit = this.node('commit', lineage.git.commit, { ...lineage.git });
      this.edge(lineage.runId ? `run:${lineage.runId}` : id, commit, 'ran_code');
    }
    return id;
  }

  async run(runId: string): Promise<string> {
    const run = await optional(this.sources.run(runId));
    if (!run) return this.node('run', runId, { deleted: true });
    const id = this.node('run', runId, {
      name: run.info.runName,
      experimentId: run.info.experimentId,
      status: run.info.status,
      params: Object.fromEntries(run.data.params.map((p) => [p.key, p.value])),
    });
    for (const input of run.inputs.datasetInputs)
      this.edge(id, this.dataset(input.dataset.name, input.dataset.digest, undefined), 'read');
    const commit = run.data.tags.find((t) => t.key === gitCommitTag)?.value;
    if (commit) this.edge(id, this.node('commit', commit, { commit }), 'ran_code');
    // A run a pipeline made says which pipeline run, and that run says what started it (an alert…).
    const pipelineRunId = run.data.tags.find((t) => t.key === pipelineRunTag)?.value;
    const pipelineRun = pipelineRunId ? await optional(this.sources.pipelineRun(pipelineRunId)) : undefined;
    if (pipelineRun) {
      const node = this.node('pipeline-run', pipelineRun.id, {
        pipeline: pipelineRun.pipeline,
        status: pipelineRun.status,
        trigger: pipelineRun.trigger,
      });
      this.edge(id, node, 'part_of');
    }
    return id;
  }

  dataset(name: string, digest: string, versionId: string | undefined): string {
    return this.node('dataset', `${name}@${digest}`, {
      name,
      digest,
      ...(versionId ? { version: versionId } : {}),
    });
  }

  async deployment(d: Deployment, forward: boolean): Promise<string> {
    const id = this.node('deployment', d.name, {
      model: d.model,
      primary: d.primary,
      candidate: d.candidate?.version,
      status: d.status,
    });
    for (const ref of [d.primary, d.candidate?.version]) {
      if (!ref) continue;
      const mv = await optional(this.sources.resolveVersion(d.model, ref));
      if (mv) this.edge(id, await this.modelVersion(mv, forward), 'serves');
    }
    return id;
  }

  /** Backward from a model version: deployments serving it and a sample of its predictions. */
  async usersOf(mv: ModelVersion): Promise<void> {
    const mvId = `model-version:${mv.name}/${mv.version}`;
    for (const d of await this.sources.deployments()) {
      if (d.model !== mv.name) continue;
      for (const ref of [d.primary, d.candidate?.version]) {
        if (!ref) continue;
        const served = await optional(this.sources.resolveVersion(d.model, ref));
        if (served?.version === mv.version) {
          const dId = this.node('deployment', d.name, {
            model: d.model,
            primary: d.primary,
            status: d.status,
          });
          this.edge(dId, mvId, 'serves');
        }
      }
    }
    const predictions = await this.sources.predictionsOf(mv.name, 10 * PREDICTION_SAMPLE);
    for (const p of predictions.filter((x) => x.version === mv.version).slice(0, PREDICTION_SAMPLE)) {
      const pId = this.node('prediction', p.id, { time: p.time, requestId: p.requestId, arm: p.arm });
      this.edge(pId, mvId, 'scored_by');
    }
  }

  async versionsMadeBy(runId: string): Promise<void> {
    for await (const mv of this.allVersions()) {
      if (mv.lineage.runId !== runId && mv.runId !== runId) continue;
      const id = await this.modelVersion(mv, false);
      this.edge(id, `run:${runId}`, 'trained_in');
      await this.usersOf(mv);
    }
  }

  async versionsTrainedOn(digest: string): Promise<void> {
    for await (const mv of this.allVersions()) {
      const used = mv.lineage.datasets.find((d) => d.digest === digest);
      if (!used) continue;
      const id = await this.modelVersion(mv, false);
      this.edge(id, this.dataset(used.name, used.digest, used.versionId), 'read');
      await this.usersOf(mv);
    }
  }

  private async *allVersions(): AsyncGenerator<ModelVersion> {
    let token: string | undefined;
    do {
      const page = await this.sources.searchVersions(token);
      yield* page.items;
      token = page.nextPageToken;
    } while (token);
  }
}

/** The value, or undefined when the object no longer exists (a deleted run, version, deployment). */
async function optional<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch (error) {
    if (isMloopError(error) && error.code === 'RESOURCE_DOES_NOT_EXIST') return undefined;
    throw error;
  }
}
