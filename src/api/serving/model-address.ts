import { invalidParameter, notFound } from '../../core/errors.js';
import type { ServedModels } from '../../serving/served-models.js';

/**
 * Which model an inference request is for. The main server serves every registered model by
 * name (`/api/v1/serving/{name}/…`, `/v2/models/{name}/…`); `mloop serve` serves one reference
 * at the root. Routes ask the address for the reference to score on, and never parse it.
 */
export interface ModelAddress {
  /** Path prefix of `/predict` and `/invocations`. */
  prefix: string;
  /** The reference a request names by path name, optional path version and `?alias`/`?version`. */
  refOf(name: string | undefined, selector: VersionSelector): string;
  /** Whether the model is loaded and answering, for readiness probes. */
  ready(): boolean;
}

export interface VersionSelector {
  alias?: string | undefined;
  version?: number | string | undefined;
}

/** Every registered model, by name; a bare name serves `champion`, else the newest version. */
export function registryAddress(): ModelAddress {
  return {
    prefix: '/api/v1/serving/:name',
    refOf(name, selector) {
      if (!name) throw invalidParameter('name', 'name the model in the path');
      const version = versionOf(selector.version);
      if (version !== undefined && selector.alias !== undefined) {
        throw invalidParameter('version', 'pass alias or version, not both');
      }
      if (version !== undefined) return `${name}/${version}`;
      if (selector.alias !== undefined) return `${name}@${selector.alias}`;
      return name;
    },
    ready: () => true,
  };
}

/**
 * One reference (`NAME@ALIAS`, `NAME/VERSION`, `NAME`) at the root, as `mloop serve` runs it. The
 * model name in OIP paths must be the served one; a version in the path must be the one serving.
 */
export function singleModelAddress(ref: string, name: string, models: ServedModels): ModelAddress {
  return {
    prefix: '',
    refOf(requested, selector) {
      if (requested !== undefined && requested !== name)
        throw notFound(`This server serves model '${name}' only, not '${requested}'`);
      const version = versionOf(selector.version);
      if (selector.alias !== undefined) throw invalidParameter('alias', `This server serves ${ref} only`);
      if (version !== undefined && version !== models.currentVersion(ref)) {
        throw notFound(
          `This server serves ${ref} (version ${models.currentVersion(ref) ?? 'none'}), not version ${version}`,
        );
      }
      return ref;
    },
    ready: () => models.currentVersion(ref) !== undefined,
  };
}

function versionOf(version: number | string | undefined): number | undefined {
  if (version === undefined || version === '') return undefined;
  const n = Number(version);
  if (!Number.isInteger(n) || n < 1)
    throw invalidParameter('version', `version must be a positive integer, got "${version}"`);
  return n;
}
