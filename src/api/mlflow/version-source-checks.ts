import { posix } from 'node:path';
import { invalidParameter, isMloopError } from '../../core/errors.js';

/**
 * The checks MLflow's server makes of `model-versions/create`'s source before it registers
 * anything, with its messages, which MLflow's clients and tests match. What passes is then
 * registered by the registry, with or without files mloop holds.
 */
export interface SourceOwners {
  /** The artifact URI of a run, or undefined when the server has no such run. */
  runArtifactUri(runId: string): Promise<string | undefined>;
  /** The artifact location of a logged model, or undefined when the server has no such model. */
  modelArtifactLocation(modelId: string): Promise<string | undefined>;
}

interface UriParts {
  scheme: string;
  authority: string;
  path: string;
}

/** Splits a URI as Python's urllib does for these checks (`runs:/x` has no authority, `s3://b/x` has). */
function splitUri(uri: string): UriParts {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1] ?? '';
  let rest = uri.slice(scheme ? scheme.length + 1 : 0).replace(/[?#].*$/s, '');
  let authority = '';
  if (rest.startsWith('//')) {
    const end = rest.indexOf('/', 2);
    authority = end === -1 ? rest.slice(2) : rest.slice(2, end);
    rest = end === -1 ? '' : rest.slice(end);
  }
  return { scheme: scheme.toLowerCase(), authority: authority.toLowerCase(), path: rest };
}

/** Percent-decodes until nothing changes, so `%252e%252e` is seen as `..`. */
function unquoteFully(value: string, plus = false): string {
  let current = value;
  for (;;) {
    let next: string;
    try {
      next = decodeURIComponent(plus ? current.replaceAll('+', ' ') : current);
    } catch {
      return current;
    }
    if (next === current) return current;
    current = next;
  }
}

function isLocal(uri: string): boolean {
  const { scheme, authority } = splitUri(uri);
  const host = authority.replace(/^[^@]*@/, '').replace(/:\d*$/, '');
  return (
    scheme === '' || (scheme === 'file' && (host === '' || host === '.' || host.startsWith('localhost')))
  );
}

function invalidSource(source: string, idName: 'run_id' | 'model_id'): Error {
  return invalidParameter(
    idName,
    `Invalid model version source: '${source}'. The ${idName} request parameter must identify the resource that contains the source.`,
  );
}

/** A path, or a URI's path, with `..`, `.` or a NUL in it: a way out of the directory it names. */
function checkNoRelativeParts(source: string): void {
  const unquoted = unquoteFully(source, true);
  const path = splitUri(unquoted).path.replace(/\/+/g, '/').replace(/\/+$/, '');
  const escapes =
    path.includes('\u0000') ||
    unquoted.split('/').some((part) => part === '..') ||
    !path.startsWith('/') ||
    posix.normalize(path) !== path;
  if (escapes)
    throw invalidParameter(
      'source',
      `Invalid model version source: '${unquoted}'. If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present. Please provide an absolute path.`,
    );
}

/** Path segments of a URI, each percent-decoded, for comparing a source with its owner's root. */
function segments(uri: string): UriParts & { parts: string[] } {
  const parts = splitUri(uri);
  return {
    ...parts,
    parts: parts.path
      .split('/')
      .filter(Boolean)
      .map((p) => unquoteFully(p)),
  };
}

function isWithin(source: string, root: string): boolean {
  const s = segments(source);
  const r = segments(root);
  return (
    s.scheme === r.scheme &&
    s.authority === r.authority &&
    r.parts.length > 0 &&
    r.parts.every((part, i) => s.parts[i] === part)
  );
}

function isArtifactProxyUri(source: string): boolean {
  const { scheme, parts } = segments(source);
  if (scheme === 'mlflow-artifacts') return true;
  const route = ['api', '2.0', 'mlflow-artifacts', 'artifacts'];
  return (
    (scheme === 'http' || scheme === 'https') &&
    parts.some((_, i) => route.every((part, j) => parts[i + j] === part))
  );
}

/** A local source is allowed only inside the local artifact directory of its run or logged model. */
function checkLocal(source: string, root: string | undefined, idName: 'run_id' | 'model_id'): void {
  if (root !== undefined && isLocal(root)) {
    const dir = posix.resolve(splitUri(root).path);
    const path = posix.resolve(splitUri(source).path);
    if (path === dir || path.startsWith(`${dir}/`)) return;
  }
  const owner = idName === 'run_id' ? 'run_id' : 'model_id';
  throw invalidParameter(
    'source',
    `Invalid model version source: '${root === undefined ? source : posix.resolve(splitUri(source).path)}'. To use a local path as a model version source, the ${owner} request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the ${owner}.`,
  );
}

async function ownerRoot(
  id: string,
  source: string,
  idName: 'run_id' | 'model_id',
  find: (id: string) => Promise<string | undefined>,
): Promise<string> {
  const root = await find(id);
  if (root === undefined) throw invalidSource(source, idName);
  return root;
}

/** MLflow's source checks when the version names the run that made it (or nothing). */
async function checkRunSource(source: string, runId: string, owners: SourceOwners): Promise<void> {
  if (isLocal(source)) {
    const root = runId
      ? await ownerRoot(runId, source, 'run_id', (id) => owners.runArtifactUri(id))
      : undefined;
    return checkLocal(source, root, 'run_id');
  }
  checkNoRelativeParts(source);
  const { scheme, authority, path } = splitUri(source);
  if (scheme === 'runs') {
    const named = path.replace(/^\/+/, '').split('/')[0];
    if (authority || !runId || named !== runId) throw invalidSource(source, 'run_id');
    return;
  }
  if (scheme === 'models' && (authority || /^\/*m-[^/]+$/.test(path)))
    throw invalidSource(source, 'model_id');
  if (isArtifactProxyUri(source)) {
    if (!runId) throw invalidSource(source, 'run_id');
    const root = await ownerRoot(runId, source, 'run_id', (id) => owners.runArtifactUri(id));
    if (!isWithin(source, root)) throw invalidSource(source, 'run_id');
  }
}

/** MLflow's source checks when the version names the logged model it was made from. */
async function checkModelSource(source: string, modelId: string, owners: SourceOwners): Promise<void> {
  const find = (id: string) => owners.modelArtifactLocation(id);
  if (isLocal(source))
    return checkLocal(source, await ownerRoot(modelId, source, 'model_id', find), 'model_id');
  checkNoRelativeParts(source);
  const { scheme, authority, path } = splitUri(source);
  if (scheme === 'models') {
    if (authority) throw invalidSource(source, 'model_id');
    const named = /^\/*(m-[^/]+)$/.exec(path)?.[1];
    if (named !== undefined && named !== modelId) throw invalidSource(source, 'model_id');
    return;
  }
  if (scheme === 'runs') throw invalidSource(source, 'model_id');
  if (isArtifactProxyUri(source)) {
    const root = await ownerRoot(modelId, source, 'model_id', find);
    if (!isWithin(source, root)) throw invalidSource(source, 'model_id');
  }
}

/**
 * Refuses a source MLflow's server refuses: a local path outside its run's artifact directory, a
 * path with relative parts, `runs:/` of another run than `run_id`, `models:/m-…` of another
 * logged model than `model_id`, or an artifact-proxy URI outside its owner's artifacts.
 */
export async function checkMlflowVersionSource(
  request: { source: string; runId: string; modelId: string },
  owners: SourceOwners,
): Promise<void> {
  const { source, runId, modelId } = request;
  const { scheme, authority, path } = splitUri(source);
  if (scheme === 'models' && authority)
    throw invalidParameter(
      'source',
      `Invalid model version source: '${source}'. Registered model sources must use the active model registry.`,
    );
  // models:/NAME/VERSION names a registered version, which the registry looks up.
  if (scheme === 'models' && !/^\/*m-[^/]+$/.test(path)) return;
  if (modelId) return checkModelSource(source, modelId, owners);
  return checkRunSource(source, runId, owners);
}

/** Owners looked up through the tracking services; an unknown id is answered as absent. */
export function sourceOwnersOf(tracking: {
  runs: { get(id: string): Promise<{ info: { artifactUri: string } }> };
  loggedModels: { get(id: string): Promise<{ artifactLocation: string }> };
}): SourceOwners {
  const absentIfMissing = async <T>(lookup: Promise<T>): Promise<T | undefined> => {
    try {
      return await lookup;
    } catch (error) {
      if (isMloopError(error) && error.code === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw error;
    }
  };
  return {
    runArtifactUri: async (id) => (await absentIfMissing(tracking.runs.get(id)))?.info.artifactUri,
    modelArtifactLocation: async (id) =>
      (await absentIfMissing(tracking.loggedModels.get(id)))?.artifactLocation,
  };
}
