import { HttpClient } from '../tracking/http-client.js';
import { API } from '../tracking/tracking-api.js';

/** One alias move: how long after the move was sent each replica first answered with the new version. */
export interface AliasMove {
  toVersion: number;
  /** Per replica, in the order of the servers, in ms from sending the move. */
  replicaMs: number[];
  /** The slowest replica: when every replica serves the new version. */
  allMs: number;
}

const DEADLINE_MS = 60_000;

function check(endpoint: string, response: { status: number; body: string }): void {
  if (response.status !== 200) {
    throw new Error(`${endpoint} answered ${response.status}: ${response.body.slice(0, 300)}`);
  }
}

/** Registers another version of `model` from the files of its version 1 (MLflow's models:/ source). */
export async function registerSecondVersion(url: string, model: string): Promise<number> {
  const client = new HttpClient(url);
  try {
    const endpoint = `${API}/model-versions/create`;
    const response = await client.post(endpoint, { name: model, source: `models:/${model}/1` });
    check(endpoint, response);
    return Number(
      (JSON.parse(response.body) as { model_version: { version: string } }).model_version.version,
    );
  } finally {
    client.close();
  }
}

/**
 * Sends /predict to one replica back to back until it answers with `version`; resolves the time
 * since `sentAt` of that answer's arrival. Its resolution is one request's latency.
 */
async function waitForVersion(
  client: HttpClient,
  path: string,
  body: string,
  version: number,
  sentAt: bigint,
): Promise<number> {
  for (;;) {
    const response = await client.post(path, body);
    const now = process.hrtime.bigint();
    const elapsedMs = Number(now - sentAt) / 1e6;
    const served =
      response.status === 200 && (JSON.parse(response.body) as { model_version?: string }).model_version;
    if (served === String(version)) {
      return elapsedMs;
    }
    if (elapsedMs > DEADLINE_MS) {
      throw new Error(
        `${client.baseUrl} still not serving version ${version} ${DEADLINE_MS / 1000} s after the move`,
      );
    }
  }
}

/**
 * Moves `alias` through the first replica to each version of `versions` in turn, and times until
 * every replica's /predict answers with it. The replica that made the move follows it by event;
 * the others are told by PostgreSQL NOTIFY, so their figures measure the notification, the
 * re-resolve and the model load (their 2 s registry poll is only the fallback for a missed one).
 */
export async function timeAliasMoves(
  urls: string[],
  model: string,
  alias: string,
  predictBody: string,
  versions: number[],
): Promise<AliasMove[]> {
  const clients = urls.map((url) => new HttpClient(url));
  const path = `/api/v1/serving/${encodeURIComponent(model)}/predict?alias=${alias}`;
  const moves: AliasMove[] = [];
  try {
    for (const version of versions) {
      const endpoint = `${API}/registered-models/alias`;
      const sentAt = process.hrtime.bigint();
      check(
        endpoint,
        await (clients[0] as HttpClient).post(endpoint, { name: model, alias, version: String(version) }),
      );
      const replicaMs = await Promise.all(
        clients.map((client) => waitForVersion(client, path, predictBody, version, sentAt)),
      );
      moves.push({ toVersion: version, replicaMs, allMs: Math.max(...replicaMs) });
    }
  } finally {
    for (const client of clients) client.close();
  }
  return moves;
}
