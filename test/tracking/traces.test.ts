import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { Platform } from '../../src/platform.js';
import type { StartTraceInput } from '../../src/tracking/traces/traces.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';

describeEachDialect('traces store', (dialect) => {
  let platform: Platform;
  const clock = new ManualClock(Date.UTC(2026, 7, 1));
  beforeAll(async () => {
    platform = await openTestPlatform(dialect, clock);
  });
  afterAll(async () => platform.close());

  const newExperiment = () => {
    clock.advance(1);
    return platform.tracking.experiments.create({ name: `tr-${Math.random().toString(36).slice(2)}` });
  };
  let counter = 0;
  const trace = (experimentId: string, over: Partial<StartTraceInput> = {}): StartTraceInput => ({
    traceId: `tr-${(++counter).toString(16).padStart(32, '0')}`,
    experimentId,
    clientRequestId: undefined,
    requestTime: Date.UTC(2026, 7, 1) + counter * 1000,
    executionDuration: 250,
    state: 'OK',
    requestPreview: '{"q": 1}',
    responsePreview: '2',
    metadata: {},
    tags: { 'mlflow.traceName': 'answer' },
    assessments: [],
    ...over,
  });

  it('records a trace with its tags, metadata and assessments, its spans located under its experiment', async () => {
    const { traces } = platform.tracking;
    const experimentId = await newExperiment();
    const input = trace(experimentId, {
      metadata: { 'mlflow.trace_schema.version': '3' },
      tags: { 'mlflow.traceName': 'answer', team: 'search', 'mlflow.artifactLocation': 's3://elsewhere' },
      assessments: [{ name: 'relevance', value: { kind: 'feedback', value: 0.5 }, rationale: 'fine' }],
    });
    const info = await traces.start(input);
    expect(info).toMatchObject({
      traceId: input.traceId,
      experimentId,
      requestTime: input.requestTime,
      executionDuration: 250,
      state: 'OK',
      requestPreview: '{"q": 1}',
      metadata: { 'mlflow.trace_schema.version': '3' },
      tags: {
        team: 'search',
        // the server's location, not the client's
        'mlflow.artifactLocation': `mlflow-artifacts:/${experimentId}/traces/${input.traceId}/artifacts`,
      },
    });
    expect(info.assessments).toHaveLength(1);
    expect(info.assessments[0]).toMatchObject({ name: 'relevance', valid: true, rationale: 'fine' });
    expect(info.assessments[0]!.assessmentId).toMatch(/^a-[0-9a-f]{32}$/);

    // A retry of the same trace merges rather than failing.
    const again = await traces.start({ ...input, tags: { extra: '1' }, assessments: [] });
    expect(again.tags).toMatchObject({ team: 'search', extra: '1' });
    await expect(traces.start(trace('404'))).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    await expect(traces.start(trace(experimentId, { traceId: '../x' }))).rejects.toMatchObject({
      field: 'trace_id',
    });
  });

  it("searches an experiment's traces by status, time, name, tags, metadata and run, ordered and paged", async () => {
    const { traces, runs } = platform.tracking;
    const experimentId = await newExperiment();
    const run = await runs.create({ experimentId });
    const a = await traces.start(trace(experimentId, { tags: { 'mlflow.traceName': 'a', env: 'prod' } }));
    const b = await traces.start(
      trace(experimentId, {
        state: 'ERROR',
        executionDuration: 2000,
        tags: { 'mlflow.traceName': 'b' },
        metadata: { 'mlflow.sourceRun': run.info.runId },
      }),
    );
    const c = await traces.start(trace(experimentId, { tags: { 'mlflow.traceName': 'c', env: 'dev' } }));
    const ids = async (filter?: string, orderBy?: string[]) =>
      (await traces.search({ experimentIds: [experimentId], filter, orderBy })).items.map((t) => t.traceId);

    expect(await ids()).toEqual([c.traceId, b.traceId, a.traceId]);
    expect(await ids(undefined, ['timestamp_ms ASC'])).toEqual([a.traceId, b.traceId, c.traceId]);
    expect(await ids("trace.status = 'ERROR'")).toEqual([b.traceId]);
    expect(await ids(`trace.timestamp_ms > ${a.requestTime}`)).toEqual([c.traceId, b.traceId]);
    expect(await ids('trace.execution_time_ms >= 1000')).toEqual([b.traceId]);
    expect(await ids(`trace.end_time_ms = ${b.requestTime + 2000}`)).toEqual([b.traceId]);
    expect(await ids("trace.name IN ('a', 'c')")).toEqual([c.traceId, a.traceId]);
    expect(await ids("tags.env = 'prod'")).toEqual([a.traceId]);
    expect(await ids(`attributes.run_id = '${run.info.runId}'`)).toEqual([b.traceId]);
    expect(await ids(`request_metadata.\`mlflow.sourceRun\` = '${run.info.runId}'`)).toEqual([b.traceId]);

    await traces.linkToRun([a.traceId], run.info.runId);
    expect(await ids(`attributes.run_id = '${run.info.runId}'`)).toEqual([b.traceId, a.traceId]);

    const first = await traces.search({ experimentIds: [experimentId], maxResults: 2 });
    const rest = await traces.search({
      experimentIds: [experimentId],
      maxResults: 2,
      pageToken: first.nextPageToken,
    });
    expect([...first.items, ...rest.items].map((t) => t.traceId)).toEqual([c.traceId, b.traceId, a.traceId]);
    expect(rest.nextPageToken).toBeUndefined();

    await expect(ids('trace.colour = 1')).rejects.toMatchObject({ field: 'filter' });
    await expect(traces.search({ experimentIds: [experimentId], maxResults: 501 })).rejects.toMatchObject({
      field: 'max_results',
    });
  });

  it('sets and deletes tags, keeping the tags the server owns', async () => {
    const { traces } = platform.tracking;
    const t = await traces.start(trace(await newExperiment()));
    await traces.setTag(t.traceId, 'mlflow.traceName', 'renamed');
    expect(
      (await traces.search({ experimentIds: [t.experimentId], filter: "trace.name = 'renamed'" })).items,
    ).toHaveLength(1);
    await traces.deleteTag(t.traceId, 'mlflow.traceName');
    await expect(traces.deleteTag(t.traceId, 'mlflow.traceName')).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
    });
    await expect(traces.setTag(t.traceId, 'mlflow.artifactLocation', 's3://x')).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
    });
    await expect(traces.setTag('tr-missing', 'k', 'v')).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
    });
  });

  it('reads the span file the client uploaded, and deletes traces by id and by age with their files', async () => {
    const { traces, artifacts } = platform.tracking;
    const experimentId = await newExperiment();
    const old = await traces.start(trace(experimentId));
    const recent = await traces.start(trace(experimentId));
    const kept = await traces.start(trace(experimentId));
    const file = `${experimentId}/traces/${old.traceId}/artifacts/traces.json`;
    const spans = { spans: [{ span_id: 'AQ==', name: 'root', start_time_unix_nano: 1e15, attributes: {} }] };
    await artifacts.put(file, new TextEncoder().encode(JSON.stringify(spans)));
    // Nanosecond times come back exact, as strings (they pass what a JavaScript number holds).
    expect(await traces.spans(old.traceId)).toEqual({
      spans: [{ ...spans.spans[0], start_time_unix_nano: '1000000000000000' }],
    });
    expect(await traces.spans(recent.traceId)).toBeUndefined();

    await expect(traces.delete({ experimentId })).rejects.toMatchObject({ field: 'max_timestamp_millis' });
    expect(await traces.delete({ experimentId, maxTimestampMillis: recent.requestTime, maxTraces: 1 })).toBe(
      1,
    );
    await expect(traces.get(old.traceId)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    await expect(artifacts.get(file)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    expect(await traces.delete({ experimentId, traceIds: [recent.traceId] })).toBe(1);
    expect((await traces.search({ experimentIds: [experimentId] })).items.map((t) => t.traceId)).toEqual([
      kept.traceId,
    ]);
  });

  it('updates assessments, and an override supersedes the assessment until it is deleted', async () => {
    const { traces, assessments } = platform.tracking;
    const t = await traces.start(trace(await newExperiment()));
    const first = await assessments.create(t.traceId, {
      name: 'quality',
      value: { kind: 'feedback', value: 'good' },
      source: { sourceType: 'HUMAN', sourceId: 'ana' },
      metadata: { a: '1' },
    });
    clock.advance(10);
    const updated = await assessments.update(t.traceId, first.assessmentId, {
      value: { kind: 'feedback', value: 'bad' },
      metadata: { b: '2' },
    });
    expect(updated).toMatchObject({
      value: { kind: 'feedback', value: 'bad' },
      metadata: { a: '1', b: '2' },
      source: { sourceType: 'HUMAN', sourceId: 'ana' },
      lastUpdateTime: first.createTime + 10,
    });
    await expect(
      assessments.update(t.traceId, first.assessmentId, { value: { kind: 'expectation', value: 1 } }),
    ).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });

    const override = await assessments.create(t.traceId, {
      name: 'quality',
      value: { kind: 'feedback', value: 'ok' },
      overrides: first.assessmentId,
    });
    expect((await assessments.get(t.traceId, first.assessmentId)).valid).toBe(false);
    await assessments.delete(t.traceId, override.assessmentId);
    expect((await assessments.get(t.traceId, first.assessmentId)).valid).toBe(true);
    await expect(assessments.get(t.traceId, override.assessmentId)).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
    });
    await expect(
      assessments.create('tr-missing', { name: 'x', value: { kind: 'feedback', value: 1 } }),
    ).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
  });
});
