import type { App } from '../server.js';

/**
 * MLflow 3's capability document, which its clients read before anything else (workspaces,
 * multipart artifact transfers). mloop answers with what it has: no workspaces, no multipart or
 * presigned transfers, no AI gateway; so the client takes its plain paths, as against an older
 * MLflow. `features_enabled` also says tracing is served and evaluation datasets, scorers and
 * prompts are not (MLflow's own document names only the gateway there; clients ignore keys they
 * do not know). It holds nothing secret: MLflow serves it without login, and so does mloop.
 */
export function registerMlflowServerInfoRoute(app: App): void {
  app.get('/api/3.0/mlflow/server-info', { schema: { tags: ['mlflow'] } }, async () => ({
    store_type: 'SqlStore',
    workspaces_enabled: false,
    trace_archival_enabled: false,
    multipart_uploads_enabled: false,
    multipart_downloads_enabled: false,
    presigned_upload_run_id_supported: false,
    presigned_upload_model_id_supported: false,
    features_enabled: {
      gateway: false,
      tracing: true,
      evaluation_datasets: false,
      scorers: false,
      prompts: false,
    },
  }));
}
