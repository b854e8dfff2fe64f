import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { formatOfPath } from '../../data/source-files.js';
import { convertFiles } from '../../data/version-files.js';
import { MloopClient } from '../../sdk/client.js';
import type { DataBackend } from '../data-backend.js';

/** `mloop data` through the SDK, against the server at `url`. */
export function remoteDataBackend(url: string): DataBackend {
  const client = new MloopClient({ url });
  const { datasets } = client;
  return {
    location: client.url,
    add: (name, path, options) => datasets.add(name, path, options),
    list: () => datasets.list(),
    listVersions: (name) => datasets.listVersions(name),
    get: (ref) => datasets.get(ref),
    diff: (from, to) => datasets.diff(from, to),
    materialise: async (ref, output, format) => {
      const { version, bytes } = await datasets.download(ref);
      const target = format ?? formatOfPath(output) ?? version.format;
      if (target === version.format) {
        await writeFile(output, bytes);
        return { version, format: target };
      }
      // Another format: convert the downloaded bytes here, as the embedded store would.
      const dir = await mkdtemp(join(tmpdir(), 'mloop-data-'));
      try {
        const file = join(dir, `data${extname(version.files[0]!.path)}`);
        await writeFile(file, bytes);
        await convertFiles(version.format, [file], output, target);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      return { version, format: target };
    },
    logToRun: (runId, ref, context) => datasets.logToRun(runId, ref, context),
    close: async () => {},
  };
}
