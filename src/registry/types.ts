import type { Tag } from '../tracking/types.js';
import type { ModelFile } from './model-files.js';
import type { Lineage, ModelMetadata } from './model-metadata.js';

/** The registry's domain objects, shaped after MLflow's so the compatible API maps one to one. */

export type ModelVersionStatus = 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';

export interface ModelAlias {
  alias: string;
  version: number;
}

/** A named model: a sequence of numbered versions, with tags and aliases pointing at versions. */
export interface RegisteredModel {
  name: string;
  description: string | undefined;
  userId: string | undefined;
  creationTime: number;
  lastUpdatedTime: number;
  tags: Tag[];
  aliases: ModelAlias[];
  /** The newest existing version, when there is one. */
  latestVersion: number | undefined;
}

export interface ModelVersion {
  name: string;
  /** 1, 2, 3…: given out in order per model, never reused. */
  version: number;
  creationTime: number;
  lastUpdatedTime: number;
  description: string | undefined;
  userId: string | undefined;
  /** Where the files came from, as the client named them: `runs:/…`, `models:/m-…`, `mlflow-artifacts:/…`. */
  source: string;
  runId: string | undefined;
  runLink: string | undefined;
  /** The MLflow 3 logged model the version was made from. */
  loggedModelId: string | undefined;
  /**
   * Store-relative directory of the model files: what `readModelPackage` reads. The registry's
   * own copy, made at registration, which the artifact API cannot change.
   */
  storagePath: string;
  /**
   * Each file with its sha256 as registered; a load refuses files that differ. Undefined for a
   * version registered before mloop recorded them.
   */
  files: ModelFile[] | undefined;
  status: ModelVersionStatus;
  /** Why a READY version cannot be served (not an ONNX package), or why registration failed. */
  statusMessage: string | undefined;
  /** MLflow's legacy stage: None, Staging, Production or Archived. */
  stage: string;
  /** The package format when the files are a servable ONNX model. */
  format: ModelMetadata['format'] | undefined;
  /** The package's metadata (without lineage), when the files are a servable ONNX model. */
  metadata: Omit<ModelMetadata, 'lineage'> | undefined;
  tags: Tag[];
  aliases: string[];
  lineage: Lineage;
}

/** An alias move (or a legacy stage transition), kept forever. */
export interface Promotion {
  id: string;
  /** The model's name at the time of the move. */
  name: string;
  kind: 'alias' | 'stage';
  /** The alias (`champion`), or the stage for a stage transition (`Production`). */
  alias: string;
  /** Where the alias pointed before; undefined when it was new. */
  fromVersion: number | undefined;
  /** Where it points now; undefined when the alias was removed. */
  toVersion: number | undefined;
  /** Who moved it; `anonymous` until authentication exists. */
  actor: string;
  reason: string | undefined;
  time: number;
}

/** Who does something and why, for the promotion record. */
export interface Attribution {
  actor?: string | undefined;
  reason?: string | undefined;
  /** Move a protected alias past a failed (or missing) gate report; needs a reason, which is recorded. */
  force?: boolean | undefined;
}
