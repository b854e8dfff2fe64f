import type { ReactNode } from 'react';
import { AuditPage } from './pages/audit-page';
import { ComparePage } from './pages/compare-page';
import { DatasetPage, DatasetsPage } from './pages/datasets-page';
import { DeploymentPage, DeploymentsPage } from './pages/deployments-page';
import { ExperimentsPage } from './pages/experiments-page';
import { ModelPage, ModelsPage } from './pages/models-page';
import { ModelVersionPage } from './pages/model-version-page';
import { MonitoringPage } from './pages/monitoring-page';
import { PipelinePage, PipelineRunPage, PipelinesPage } from './pages/pipelines-page';
import { PredictionPage, PredictionsPage } from './pages/predictions-page';
import { RunPage } from './pages/run-page';
import { RunsPage } from './pages/runs-page';
import { TracePage, TracesPage } from './pages/traces-page';
import { Link, match, useLocation } from './router';

const sections = [
  { to: '/', title: 'Experiments', owns: ['/experiments', '/runs', '/compare', '/traces'] },
  { to: '/models', title: 'Models', owns: ['/models'] },
  { to: '/datasets', title: 'Datasets', owns: ['/datasets'] },
  { to: '/pipelines', title: 'Pipelines', owns: ['/pipelines', '/pipeline-runs'] },
  { to: '/deployments', title: 'Deployments', owns: ['/deployments'] },
  { to: '/predictions', title: 'Predictions', owns: ['/predictions'] },
  { to: '/monitoring', title: 'Monitoring', owns: ['/monitoring'] },
  { to: '/audit', title: 'Audit log', owns: ['/audit'] },
];

function page(url: URL): ReactNode {
  const path = url.pathname;
  const search = url.searchParams;
  let p: Record<string, string> | undefined;
  if (path === '/' || path === '/experiments') return <ExperimentsPage />;
  if ((p = match('/experiments/:id', path)))
    return <RunsPage key={p.id} experimentId={p.id as string} search={search} />;
  if ((p = match('/experiments/:id/traces', path)))
    return <TracesPage key={p.id} experimentId={p.id as string} search={search} />;
  if ((p = match('/traces/:id', path))) return <TracePage traceId={p.id as string} />;
  if ((p = match('/runs/:id', path))) return <RunPage runId={p.id as string} />;
  if (path === '/compare')
    return <ComparePage runIds={(search.get('runs') ?? '').split(',').filter(Boolean)} />;
  if (path === '/models') return <ModelsPage />;
  if ((p = match('/models/:name', path))) return <ModelPage name={p.name as string} />;
  if ((p = match('/models/:name/versions/:version', path)))
    return <ModelVersionPage name={p.name as string} version={p.version as string} />;
  if (path === '/datasets') return <DatasetsPage />;
  if ((p = match('/datasets/:name', path))) return <DatasetPage name={p.name as string} search={search} />;
  if (path === '/pipelines') return <PipelinesPage />;
  if ((p = match('/pipelines/:name', path))) return <PipelinePage name={p.name as string} />;
  if ((p = match('/pipeline-runs/:id', path))) return <PipelineRunPage id={p.id as string} />;
  if (path === '/deployments') return <DeploymentsPage />;
  if ((p = match('/deployments/:name', path))) return <DeploymentPage name={p.name as string} />;
  if (path === '/predictions') return <PredictionsPage search={search} />;
  if ((p = match('/predictions/:id', path))) return <PredictionPage id={p.id as string} />;
  if (path === '/monitoring') return <MonitoringPage search={search} />;
  if (path === '/audit') return <AuditPage />;
  return (
    <div className="notice">
      No page at {path}. <Link to="/">Back to experiments</Link>
    </div>
  );
}

export function App() {
  const url = useLocation();
  const active =
    sections.find((s) => s.owns.some((o) => url.pathname.startsWith(o))) ??
    (url.pathname === '/' ? sections[0] : undefined);
  return (
    <>
      <nav>
        <span className="brand">mloop</span>
        {sections.map((s) => (
          <Link key={s.to} to={s.to} className={s === active ? 'active' : undefined}>
            {s.title}
          </Link>
        ))}
        <a href="/openapi.json" className="right">
          API
        </a>
      </nav>
      <main>{page(url)}</main>
    </>
  );
}
