import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromiumPath, describeWithChromium } from '../helpers/chromium.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';

/**
 * The attacker's page: from another origin it tries the three requests a page may send anywhere
 * without a preflight, each carrying a pipeline whose cron trigger and shell command would leave
 * `marker` behind: a `text/plain` fetch, a `no-cors` fetch, and a `text/plain` form post.
 */
function attackPage(target: string, marker: string): string {
  const yaml = `name: planted\ntriggers:\n  cron: '* * * * *'\nsteps:\n  own:\n    command: touch ${marker}\n#`;
  return `<!doctype html><body><script>
const target = ${JSON.stringify(target)};
const yaml = ${JSON.stringify(yaml)};
window.results = {};
(async () => {
  try {
    await fetch(target + '/api/v1/pipelines', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: yaml });
    results.simple = 'read';
  } catch { results.simple = 'unreadable'; }
  const opaque = await fetch(target + '/api/v1/pipelines', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: yaml });
  results.noCors = opaque.type;
  const frame = document.createElement('iframe');
  frame.name = 'sink';
  document.body.append(frame);
  const form = document.createElement('form');
  Object.assign(form, { method: 'POST', action: target + '/api/v1/pipelines', enctype: 'text/plain', target: 'sink' });
  const input = document.createElement('input');
  // text/plain forms send name=value: the '=' lands in a YAML comment.
  Object.assign(input, { type: 'hidden', name: yaml, value: '' });
  form.append(input);
  document.body.append(form);
  await new Promise((resolve) => { frame.onload = resolve; form.submit(); });
  results.form = 'answered';
  window.done = true;
})();
</script></body>`;
}

describeWithChromium('a default server against a cross-site page in a real browser', () => {
  let server: ServerProcess;
  let attacker: Server;
  let attackerPort: number;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer();
    attacker = createServer((request, response) => {
      const marker = join(server.home, 'owned');
      response.writeHead(200, { 'content-type': 'text/html' }).end(attackPage(server.url, marker));
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerPort = (attacker.address() as { port: number }).port;
    browser = await chromium.launch({
      executablePath: chromiumPath(),
      // attacker.example resolves to this machine, as a rebound DNS name would.
      args: [
        '--no-sandbox',
        '--disable-dev-shm-usage',
        '--disable-gpu',
        '--host-resolver-rules=MAP attacker.example 127.0.0.1',
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => attacker?.close(resolve));
    await server?.stop();
  });

  it('registers and runs nothing from text/plain, no-cors and form posts of another origin', async () => {
    const page = await browser.newPage();
    await page.goto(`http://attacker.example:${attackerPort}/`);
    await page.waitForFunction(() => (window as unknown as { done?: boolean }).done === true, undefined, {
      timeout: 15_000,
    });
    expect(await page.evaluate(() => (window as unknown as { results: unknown }).results)).toEqual({
      simple: 'unreadable',
      noCors: 'opaque', // the server answered (its 403 is hidden from the page)
      form: 'answered',
    });
    const listed = await (await fetch(`${server.url}/api/v1/pipelines`)).json();
    expect(listed.pipelines).toEqual([]);
    expect(existsSync(join(server.home, 'owned'))).toBe(false);
  }, 60_000);

  it('refuses the pages of a DNS name rebound to the server (Host: attacker.example)', async () => {
    const page = await browser.newPage();
    const port = new URL(server.url).port;
    const response = await page.goto(`http://attacker.example:${port}/api/v1/experiments`);
    expect(response?.status()).toBe(403);
    expect(await response?.text()).toMatch(/Host 'attacker\.example:\d+' is not a name of this server/);
    const own = await page.goto(`${server.url}/api/v1/experiments`);
    expect(own?.status()).toBe(200);
  }, 60_000);
});
