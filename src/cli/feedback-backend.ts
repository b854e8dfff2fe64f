import { loadConfig } from '../core/config.js';
import { invalidParameter } from '../core/errors.js';
import type { AddedVersion } from '../data/types.js';
import type { AttachResult, LabelInput } from '../feedback/feedback-service.js';
import type { LabelledPrediction, PredictionFilter } from '../monitoring/performance/labelled-predictions.js';
import type { PerformanceReport } from '../monitoring/performance/performance-report.js';
import { parseWindowLength } from '../monitoring/window-spec.js';

/** What `mloop monitor performance` asks for. */
export interface PerformanceRequest {
  model: string;
  alias?: string | undefined;
  from: number;
  to: number;
  window?: string | undefined;
  deployment?: string | undefined;
  byArm?: boolean | undefined;
}

/** The feedback operations the CLI uses, in-process on the embedded store or through a server. */
export interface FeedbackBackend {
  /** Where the data lives (a directory or a URL), for messages. */
  readonly location: string;
  attach(labels: LabelInput[], source: string): Promise<AttachResult>;
  performance(request: PerformanceRequest): Promise<PerformanceReport>;
  /** The labelled predictions of a model (or the version an alias points at), page by page. */
  labelled(filter: PredictionFilter & { alias?: string | undefined }): AsyncIterable<LabelledPrediction[]>;
  /** Adds a file as a dataset's next version; the embedded store only, for now. */
  addDataset(name: string, file: string, source: string): Promise<AddedVersion>;
  close(): Promise<void>;
}

/** The server at `--url`/`MLOOP_URL` when one is set, else the embedded store. */
export async function openFeedbackBackend(url: string | undefined): Promise<FeedbackBackend> {
  const config = loadConfig(url ? { url } : {});
  if (config.url) {
    const { MloopClient } = await import('../sdk/client.js');
    const client = new MloopClient({ url: config.url });
    return {
      location: client.url,
      attach: (labels, source) => client.feedback.attach(labels, { source }),
      performance: ({ model, ...options }) => client.feedback.performance(model, options),
      async *labelled({ model, ...range }) {
        let pageToken: string | undefined;
        do {
          const page = await client.feedback.labelledPredictions(model, {
            ...range,
            maxResults: 5000,
            pageToken,
          });
          if (page.items.length > 0) yield page.items;
          pageToken = page.nextPageToken;
        } while (pageToken);
      },
      addDataset: async () => {
        throw invalidParameter(
          'dataset',
          '--dataset works on the embedded store only for now: export with --output and add the file as a dataset',
        );
      },
      close: async () => {},
    };
  }
  const { openPlatform } = await import('../platform.js');
  const platform = await openPlatform(config);
  const versionOf = async (model: string, alias: string | undefined, version: number | undefined) =>
    alias === undefined ? version : (await platform.registry.resolve(`${model}@${alias}`)).version;
  return {
    location: config.home,
    attach: (labels, source) => platform.feedback.labels.attach(labels, { source }),
    performance: async ({ alias, window, ...query }) =>
      platform.performance.report({
        ...query,
        version: await versionOf(query.model, alias, undefined),
        windowMs: window === undefined ? undefined : parseWindowLength(window, '--window'),
      }),
    async *labelled({ alias, ...filter }) {
      const version = await versionOf(filter.model, alias, filter.version);
      yield* platform.feedback.labelled.labelledPredictions({ ...filter, version });
    },
    addDataset: async (name, file, source) => platform.data.datasets.add(name, file, { source }),
    close: () => platform.close(),
  };
}
