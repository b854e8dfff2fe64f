import { holdsFiles } from '../../registry/model-files.js';
import type { ModelVersion, RegisteredModel } from '../../registry/types.js';
import { tagsToWire } from './wire.js';

/**
 * The model registry in MLflow's wire format (protobuf JSON of model_registry.proto): versions
 * travel as strings, timestamps as milliseconds, absent optional fields are left out.
 */
export function modelVersionToWire(v: ModelVersion) {
  return {
    name: v.name,
    version: String(v.version),
    creation_timestamp: v.creationTime,
    last_updated_timestamp: v.lastUpdatedTime,
    ...(v.userId === undefined ? {} : { user_id: v.userId }),
    current_stage: v.stage,
    ...(v.description === undefined ? {} : { description: v.description }),
    source: v.source,
    ...(v.runId === undefined ? {} : { run_id: v.runId }),
    status: v.status,
    ...(v.statusMessage === undefined ? {} : { status_message: v.statusMessage }),
    tags: tagsToWire(v.tags),
    ...(v.runLink === undefined ? {} : { run_link: v.runLink }),
    aliases: v.aliases,
    ...(v.loggedModelId === undefined ? {} : { model_id: v.loggedModelId }),
  };
}

export function registeredModelToWire(m: RegisteredModel, latestVersions: ModelVersion[] = []) {
  return {
    name: m.name,
    creation_timestamp: m.creationTime,
    last_updated_timestamp: m.lastUpdatedTime,
    ...(m.userId === undefined ? {} : { user_id: m.userId }),
    ...(m.description === undefined ? {} : { description: m.description }),
    latest_versions: latestVersions.map(modelVersionToWire),
    tags: tagsToWire(m.tags),
    aliases: m.aliases.map((a) => ({ alias: a.alias, version: String(a.version) })),
  };
}

/**
 * Where MLflow clients download a version's files: the artifact proxy path of its directory, or
 * the source as given when mloop holds none (as MLflow answers a version's source).
 */
export function downloadUriOf(v: ModelVersion): string {
  return holdsFiles(v) ? `mlflow-artifacts:/${v.storagePath}` : v.source;
}
