import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MloopClient } from '../../src/sdk/index.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';

const yaml = `
name: sdk-demo
params: {n: 2}
steps:
  square:
    outputs: {value: value}
    command: python3 -c "import sys; print(int(sys.argv[1]) ** 2)" \${params.n} > \${outputs.value}
  fail:
    needs: [square]
    command: sh -c 'echo about to fail >&2; exit 7'
`;

describe('pipelines through the SDK against a real server', () => {
  let server: ServerProcess;
  let client: MloopClient;
  beforeAll(async () => {
    server = await startServer();
    // Run as the server's user in its home: the SDK sends the local admin token by itself.
    process.env.MLOOP_HOME = server.home;
    client = new MloopClient({ url: server.url });
  }, 60_000);
  afterAll(() => server.stop());

  it('registers, runs, follows and resumes a pipeline, and reads a failed step log', async () => {
    await client.pipelines.register(yaml);
    expect((await client.pipelines.list()).map((p) => p.name)).toContain('sdk-demo');
    const started = await client.pipelines.start('sdk-demo', { params: { n: 5 } });
    const run = await client.pipelines.waitForRun(started.id, { timeoutMs: 20_000, pollMs: 50 });
    expect(run.status).toBe('FAILED');
    expect(run.steps.find((s) => s.step === 'square')!.outputs.value!.value).toBe(25);
    expect(run.error).toMatch(/step "fail" failed: command exited with 7/);
    expect(await client.pipelines.stepLog(run.id, 'fail')).toContain('about to fail');
    await expect(client.pipelines.cancel(run.id)).rejects.toMatchObject({ code: 'INVALID_STATE' });

    const resumed = await client.pipelines.waitForRun((await client.pipelines.rerun(run.id)).id, {
      timeoutMs: 20_000,
      pollMs: 50,
    });
    expect(resumed.steps.find((s) => s.step === 'square')!.attempt).toBe(1); // kept, not rerun
    expect(resumed.steps.find((s) => s.step === 'fail')!.attempt).toBe(2);
    expect((await client.pipelines.listRuns('sdk-demo')).map((r) => r.id)).toEqual([run.id]);
  });
});
