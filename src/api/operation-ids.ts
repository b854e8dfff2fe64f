/**
 * The `operationId` of every operation in the OpenAPI document, decided here once for all routes
 * (createApp applies it), so generated clients get readable method names without each route file
 * naming its operation:
 * - MLflow-compatible routes carry MLflow's own REST operation names (`createExperiment`,
 *   `getModelVersionByAlias`...) behind an `mlflow` prefix, as MLflow's clients call them;
 * - Open Inference Protocol routes carry the protocol's operation names (`modelInfer`...);
 * - native routes are named from their path: a verb from the method (`get`, `list`, `create`,
 *   `update`, `delete`, `set`) or the path's trailing action (`restore`, `search`, `cancel`...),
 *   then the resources it walks, e.g. `GET /api/v1/models/:name/versions/:version` →
 *   `getModelVersion`. The few the rule names badly are listed in `namedOperations`.
 * Ids are unique across the document; test/api/openapi-document.test.ts holds them to it.
 */

/** Operations whose id is given rather than derived, keyed `METHOD url` as the route is registered. */
const namedOperations: Readonly<Record<string, string>> = {
  'GET /health': 'getHealth',
  'GET /metrics': 'getPrometheusMetrics',
  'POST /predict': 'predict',
  'POST /invocations': 'invocations',
  'GET /api/v1/audit': 'listAuditEntries',
  'GET /api/v1/audit/verify': 'verifyAuditLog',
  'GET /api/v1/lineage/:kind/*': 'getLineage',
  'POST /api/v1/privacy/forget': 'forgetPersonalData',
  'PUT /api/v1/projects/:project/objects': 'assignProjectObjects',
  'GET /api/v1/experiments/by-name/:name': 'getExperimentByName',
  'POST /api/v1/runs/:id/log': 'logRunBatch',
  'POST /api/v1/runs/:id/inputs': 'logRunInputs',
  'GET /api/v1/runs/:id/metrics/:key': 'getRunMetricHistory',
  'GET /api/v1/runs/:id/artifacts': 'listRunArtifacts',
  'PUT /api/v1/runs/:id/artifacts/*': 'uploadRunArtifact',
  'GET /api/v1/runs/:id/artifacts/*': 'downloadRunArtifact',
  'GET /api/v1/models/:name/history': 'getModelPromotionHistory',
  'GET /api/v1/datasets/:name/versions/:version/file': 'downloadDatasetVersionFile',
  'GET /api/v1/datasets/:name/digests/:digest': 'getDatasetVersionByDigest',
  'GET /api/v1/datasets/:name/diff': 'diffDatasetVersions',
  'POST /api/v1/deployments/:name/rollout': 'startDeploymentRollout',
  'GET /api/v1/deployments/:name/stats': 'getDeploymentStats',
  'GET /api/v1/deployments/:name/stats/minutes': 'getDeploymentStatsPerMinute',
  'POST /api/v1/deployments/:name/predict': 'predictWithDeployment',
  'POST /api/v1/deployments/:name/invocations': 'invokeDeployment',
  'POST /api/v1/serving/:name/predict': 'predictWithModel',
  'POST /api/v1/serving/:name/invocations': 'invokeModel',
  'POST /api/v1/feedback': 'logFeedback',
  'GET /api/v1/feedback/:predictionId': 'getFeedback',
  'GET /api/v1/models/:name/performance': 'getModelPerformance',
  'GET /api/v1/models/:name/monitoring': 'getModelMonitoring',
  'POST /api/v1/pipelines': 'registerPipeline',
  'POST /api/v1/pipelines/:name/runs': 'startPipelineRun',
  'POST /api/v1/pipelines/:name/trigger': 'triggerPipelineWebhook',
  'GET /api/v1/pipeline-runs/:id/steps/:step/logs': 'getPipelineStepLogs',
  // MLflow 3's trace API, by the names of its service definitions
  'POST /api/3.0/mlflow/traces': 'mlflowStartTraceV3',
  'GET /api/3.0/mlflow/traces/:trace_id': 'mlflowGetTraceInfoV3',
  'POST /api/3.0/mlflow/traces/batchGetInfos': 'mlflowBatchGetTraceInfos',
  'GET /api/3.0/mlflow/traces/get': 'mlflowGetTrace',
  'GET /api/3.0/mlflow/traces/batchGet': 'mlflowBatchGetTraces',
  'POST /api/3.0/mlflow/traces/search': 'mlflowSearchTracesV3',
  'POST /api/3.0/mlflow/traces/delete-traces': 'mlflowDeleteTracesV3',
  'PATCH /api/3.0/mlflow/traces/:trace_id/tags': 'mlflowSetTraceTagV3',
  'DELETE /api/3.0/mlflow/traces/:trace_id/tags': 'mlflowDeleteTraceTagV3',
  'POST /api/3.0/mlflow/traces/:trace_id/assessments': 'mlflowCreateAssessment',
  'GET /api/3.0/mlflow/traces/:trace_id/assessments/:assessment_id': 'mlflowGetAssessment',
  'PATCH /api/3.0/mlflow/traces/:trace_id/assessments/:assessment_id': 'mlflowUpdateAssessment',
  'DELETE /api/3.0/mlflow/traces/:trace_id/assessments/:assessment_id': 'mlflowDeleteAssessment',
  'GET /api/3.0/mlflow/get-trace-artifact': 'mlflowGetTraceArtifactV3',
};

/** MLflow's REST operations by path (after `/api/2.0/`), as MLflow's service definitions name them. */
const mlflowOperations: Readonly<Record<string, string>> = {
  'POST mlflow/experiments/create': 'createExperiment',
  'GET mlflow/experiments/get': 'getExperiment',
  'GET mlflow/experiments/get-by-name': 'getExperimentByName',
  'POST mlflow/experiments/search': 'searchExperiments',
  'GET mlflow/experiments/search': 'searchExperimentsGet',
  'POST mlflow/experiments/delete': 'deleteExperiment',
  'POST mlflow/experiments/restore': 'restoreExperiment',
  'POST mlflow/experiments/update': 'updateExperiment',
  'POST mlflow/experiments/set-experiment-tag': 'setExperimentTag',
  'POST mlflow/experiments/delete-experiment-tag': 'deleteExperimentTag',
  'POST mlflow/experiments/search-datasets': 'searchDatasets',
  'POST mlflow/runs/create': 'createRun',
  'POST mlflow/runs/update': 'updateRun',
  'POST mlflow/runs/delete': 'deleteRun',
  'POST mlflow/runs/restore': 'restoreRun',
  'GET mlflow/runs/get': 'getRun',
  'POST mlflow/runs/log-metric': 'logMetric',
  'POST mlflow/runs/log-parameter': 'logParam',
  'POST mlflow/runs/set-tag': 'setTag',
  'POST mlflow/runs/delete-tag': 'deleteTag',
  'POST mlflow/runs/log-batch': 'logBatch',
  'POST mlflow/runs/log-inputs': 'logInputs',
  'POST mlflow/runs/outputs': 'logOutputs',
  'POST mlflow/runs/log-model': 'logModel',
  'POST mlflow/runs/search': 'searchRuns',
  'GET mlflow/metrics/get-history': 'getMetricHistory',
  'GET mlflow/metrics/get-history-bulk': 'getMetricHistoryBulk',
  'GET mlflow/metrics/get-history-bulk-interval': 'getMetricHistoryBulkInterval',
  'GET mlflow/artifacts/list': 'listArtifacts',
  'POST mlflow/upload-artifact': 'uploadArtifactAjax',
  'PUT mlflow-artifacts/artifacts/*': 'uploadArtifact',
  'GET mlflow-artifacts/artifacts/*': 'downloadArtifact',
  'DELETE mlflow-artifacts/artifacts/*': 'deleteArtifact',
  'GET mlflow-artifacts/artifacts': 'listArtifactsProxied',
  'POST mlflow/logged-models': 'createLoggedModel',
  'POST mlflow/logged-models/search': 'searchLoggedModels',
  'GET mlflow/logged-models/:model_id': 'getLoggedModel',
  'PATCH mlflow/logged-models/:model_id': 'finalizeLoggedModel',
  'DELETE mlflow/logged-models/:model_id': 'deleteLoggedModel',
  'PATCH mlflow/logged-models/:model_id/tags': 'setLoggedModelTags',
  'DELETE mlflow/logged-models/:model_id/tags/:tag_key': 'deleteLoggedModelTag',
  'POST mlflow/logged-models/:model_id/params': 'logLoggedModelParams',
  'GET mlflow/logged-models/:model_id/artifacts/directories': 'listLoggedModelArtifacts',
  'GET mlflow/logged-models/:model_id/artifacts/files': 'getLoggedModelArtifact',
  'POST mlflow/registered-models/create': 'createRegisteredModel',
  'GET mlflow/registered-models/get': 'getRegisteredModel',
  'POST mlflow/registered-models/rename': 'renameRegisteredModel',
  'PATCH mlflow/registered-models/update': 'updateRegisteredModel',
  'DELETE mlflow/registered-models/delete': 'deleteRegisteredModel',
  'GET mlflow/registered-models/search': 'searchRegisteredModels',
  'POST mlflow/registered-models/get-latest-versions': 'getLatestVersions',
  'GET mlflow/registered-models/get-latest-versions': 'getLatestVersionsGet',
  'POST mlflow/registered-models/set-tag': 'setRegisteredModelTag',
  'DELETE mlflow/registered-models/delete-tag': 'deleteRegisteredModelTag',
  'POST mlflow/registered-models/alias': 'setRegisteredModelAlias',
  'DELETE mlflow/registered-models/alias': 'deleteRegisteredModelAlias',
  'GET mlflow/registered-models/alias': 'getModelVersionByAlias',
  'POST mlflow/model-versions/create': 'createModelVersion',
  'GET mlflow/model-versions/get': 'getModelVersion',
  'PATCH mlflow/model-versions/update': 'updateModelVersion',
  'DELETE mlflow/model-versions/delete': 'deleteModelVersion',
  'GET mlflow/model-versions/search': 'searchModelVersions',
  'GET mlflow/model-versions/get-download-uri': 'getModelVersionDownloadUri',
  'POST mlflow/model-versions/set-tag': 'setModelVersionTag',
  'DELETE mlflow/model-versions/delete-tag': 'deleteModelVersionTag',
  'POST mlflow/model-versions/transition-stage': 'transitionModelVersionStage',
  'POST mlflow/traces/delete-traces': 'deleteTraces',
  'PATCH mlflow/traces/:request_id/tags': 'setTraceTag',
  'DELETE mlflow/traces/:request_id/tags': 'deleteTraceTag',
  'POST mlflow/traces/link-to-run': 'linkTracesToRun',
  'GET mlflow/get-trace-artifact': 'getTraceArtifact',
};

/** MLflow UI's artifact downloads and GraphQL, served at the root as MLflow's server does. */
const mlflowRootOperations: Readonly<Record<string, string>> = {
  'GET /get-artifact': 'getRunArtifactFile',
  'GET /model-versions/get-artifact': 'getModelVersionArtifactFile',
  'POST /graphql': 'mlflowGraphql',
  'GET /graphql': 'mlflowGraphqlGet',
};

/** Open Inference Protocol operations, named as the protocol's gRPC service names them. */
const oipOperations: Readonly<Record<string, string>> = {
  'GET health/live': 'serverLive',
  'GET health/ready': 'serverReady',
  GET: 'serverMetadata',
  'GET models/:name': 'modelMetadata',
  'GET models/:name/config': 'modelConfig',
  'GET models/:name/ready': 'modelReady',
  'POST models/:name/infer': 'modelInfer',
  'GET models/:name/versions/:version': 'modelVersionMetadata',
  'GET models/:name/versions/:version/config': 'modelVersionConfig',
  'GET models/:name/versions/:version/ready': 'modelVersionReady',
  'POST models/:name/versions/:version/infer': 'modelVersionInfer',
};

/** The operationId of the route `method url` (url as registered, with `:param` and `*`). */
export function operationIdOf(method: string, url: string): string {
  const key = `${method} ${url}`;
  const named = namedOperations[key] ?? mlflowRootOperations[key];
  if (named) return named;
  const mlflow = /^\/api\/2\.0\/(mlflow.*)$/.exec(url);
  if (mlflow)
    return `mlflow${capitalize(mlflowOperations[`${method} ${mlflow[1]}`] ?? derived(method, mlflow[1]!))}`;
  const oip = /^\/v2(?:\/(.*))?$/.exec(url);
  if (oip) {
    const rest = oip[1] ?? '';
    return `oip${capitalize(oipOperations[rest ? `${method} ${rest}` : method] ?? derived(method, rest))}`;
  }
  return derived(method, url.replace(/^\/api\/v\d+\//, ''));
}

/** Trailing path words that name an action rather than a resource (`POST /runs/:id/restore`). */
const actions = new Set([
  'approve',
  'reject',
  'restore',
  'search',
  'cancel',
  'rerun',
  'rollback',
  'abort',
  'enable',
  'disable',
  'evaluate',
  'forget',
  'verify',
]);

/** The name the rule gives: verb, then each resource walked (singular when one is addressed). */
function derived(method: string, path: string): string {
  const segments = path.split('/').filter(Boolean);
  const words: string[] = [];
  segments.forEach((segment, i) => {
    if (segment.startsWith(':') || segment === '*') return;
    const addressed = segments[i + 1]?.startsWith(':') || segments[i + 1] === '*';
    words.push(camel(addressed ? singular(segment) : segment));
  });
  const last = segments[segments.length - 1] ?? '';
  const onItem = last.startsWith(':') || last === '*';
  let verb: string;
  if (!onItem && actions.has(last)) {
    verb = words.pop()!.toLowerCase();
  } else if (method === 'GET') verb = onItem || !isPlural(last) ? 'get' : 'list';
  else if (method === 'POST') {
    verb = 'create';
    if (!onItem) words[words.length - 1] = singular(words[words.length - 1] ?? '');
  } else if (method === 'PUT') verb = 'set';
  else if (method === 'PATCH') verb = 'update';
  else if (method === 'DELETE') verb = 'delete';
  else verb = method.toLowerCase();
  return verb + words.map(capitalize).join('');
}

function isPlural(word: string): boolean {
  return word.endsWith('s') && !word.endsWith('ss');
}

function singular(word: string): string {
  if (word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.endsWith('ases')) return word.slice(0, -2);
  return isPlural(word) ? word.slice(0, -1) : word;
}

/** `promotion-requests` → `promotionRequests`; `get_history` → `getHistory`. */
function camel(word: string): string {
  return word.replace(/[-_.](\w)/g, (_, c: string) => c.toUpperCase());
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
