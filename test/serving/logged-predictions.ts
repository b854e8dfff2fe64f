import { expect } from 'vitest';

/** Every prediction id the server has logged for `model`, read page by page over HTTP. */
export async function loggedIds(url: string, model: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let pageToken: string | undefined;
  do {
    const query = new URLSearchParams({ model, maxResults: '1000', ...(pageToken ? { pageToken } : {}) });
    const response = await fetch(`${url}/api/v1/predictions?${query}`);
    expect(response.status).toBe(200);
    const page = (await response.json()) as { predictions: Array<{ id: string }>; nextPageToken?: string };
    for (const p of page.predictions) ids.add(p.id);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return ids;
}
