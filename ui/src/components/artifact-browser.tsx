import { useState } from 'react';
import { api, seg } from '../api';
import { bytes } from '../format';
import type { ArtifactFile } from '../types';
import { useApi } from '../use-api';
import { Load } from './status';

/** A run's artifacts, one directory at a time; files download from the native API. */
export function ArtifactBrowser(props: { runId: string }) {
  const [dir, setDir] = useState('');
  const state = useApi(
    () => api.get<{ files: ArtifactFile[] }>(`/api/v1/runs/${seg(props.runId)}/artifacts`, { path: dir }),
    [props.runId, dir],
  );
  const parent = dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '';
  return (
    <div className="artifacts" data-testid="artifacts">
      <div className="breadcrumb">
        <button onClick={() => setDir('')}>artifacts</button>
        {dir && ` / ${dir}`}
      </div>
      <Load state={state} what="Artifacts" endpoint="/api/v1/runs/:id/artifacts">
        {(data) =>
          data.files.length === 0 && !dir ? (
            <div className="empty">No artifacts.</div>
          ) : (
            <ul>
              {dir && (
                <li>
                  <button onClick={() => setDir(parent)}>..</button>
                </li>
              )}
              {data.files.map((f) => (
                <li key={f.path}>
                  {f.isDir ? (
                    <button onClick={() => setDir(f.path)}>📁 {f.path.split('/').pop()}/</button>
                  ) : (
                    <a
                      href={`/api/v1/runs/${seg(props.runId)}/artifacts/${f.path.split('/').map(seg).join('/')}`}
                    >
                      {f.path.split('/').pop()}
                    </a>
                  )}{' '}
                  <span className="muted">{bytes(f.size)}</span>
                </li>
              ))}
            </ul>
          )
        }
      </Load>
    </div>
  );
}
