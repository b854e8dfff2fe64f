import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { Platform } from '../../src/platform.js';
import type { PredictResult } from '../../src/serving/prediction-service.js';
import { openTestPlatform, storeDialects } from '../helpers/platform.js';
import { describeWithPython } from '../helpers/python.js';
import { makeOnnxModels, registerOnnxModels, tensorRows, type OnnxModels } from '../serving/onnx-models.js';

const hour = 3_600_000;
const t0 = Date.UTC(2026, 2, 1, 10); // on an hour boundary

/** The other class: a wrong label for a prediction. */
const otherClass = (label: unknown) => (label === 'setosa' ? 'virginica' : 'setosa');

for (const dialect of storeDialects()) {
  describeWithPython(`feedback and performance on served scikit-learn models [${dialect}]`, () => {
    let models: OnnxModels;
    let platform: Platform;
    const clock = new ManualClock(t0);
    let v1: PredictResult;
    let v2: PredictResult;

    beforeAll(async () => {
      models = makeOnnxModels();
      platform = await openTestPlatform(dialect, clock);
      await registerOnnxModels(platform, models, 'iris', ['columns-v1', 'columns-v2']);
      await registerOnnxModels(platform, models, 'prices', ['regression']);
      const rows = models.expected.rows;
      v1 = await platform.serving.predictions.predict({ ref: 'iris/1', records: rows });
      clock.advance(hour + 5 * 60_000); // the next hour's window
      v2 = await platform.serving.predictions.predict({ ref: 'iris/2', records: rows });
    }, 120_000);
    afterAll(async () => {
      await platform?.close();
    });

    it('attaches labels right after the predictions, before the log has written them', async () => {
      expect(platform.serving.log.stats().queued).toBeGreaterThan(0);
      const received: Array<{ model: string; count: number }> = [];
      const off = platform.events.on('feedback.received', (e) => received.push(e));
      // Version 1: the first 8 of 12 labelled, all as predicted. Version 2: all 12, 3 of them wrong.
      const result = await platform.feedback.labels.attach([
        ...v1.predictions.slice(0, 8).map((p) => ({ predictionId: p.id, label: p.label })),
        ...v2.predictions.map((p, i) => ({
          predictionId: p.id,
          label: i < 3 ? otherClass(p.label) : p.label,
        })),
      ]);
      off();
      expect(result).toMatchObject({ received: 20, created: 20, updated: 0, unchanged: 0 });
      expect(received).toEqual([{ model: 'iris', count: 20 }]);
      const stored = await platform.feedback.labels.get(v2.predictions[0]!.id);
      expect(stored).toMatchObject({ model: 'iris', version: 2, revision: 1, createdTime: clock.now() });
    });

    it('reports accuracy and coverage per hourly window and version', async () => {
      const report = await platform.performance.report({
        model: 'iris',
        from: t0,
        to: t0 + 3 * hour,
        windowMs: hour,
      });
      expect(report.task).toBe('classification');
      expect(report.windows.map((w) => [w.windowStart, w.version, w.predictions, w.labelled])).toEqual([
        [t0, 1, 12, 8],
        [t0 + hour, 2, 12, 12],
      ]);
      const [first, second] = report.windows;
      expect(first!.coverage).toBeCloseTo(8 / 12, 12);
      expect(first!.classification!.accuracy).toBe(1);
      expect(second!.coverage).toBe(1);
      expect(second!.classification!.accuracy).toBeCloseTo(9 / 12, 12);
      expect(second!.classification!.rocAuc).toBeGreaterThan(0);
      expect(report.overall.map((g) => [g.version, g.labelled])).toEqual([
        [1, 8],
        [2, 12],
      ]);
      // One version, pooled as alert rules read it.
      expect(
        await platform.performance.metric({ model: 'iris', metric: 'accuracy', from: t0, to: t0 + 3 * hour }),
      ).toBeCloseTo(17 / 20, 12);
      expect(
        await platform.performance.metric({
          model: 'iris',
          version: 2,
          metric: 'coverage',
          from: t0,
          to: t0 + 3 * hour,
        }),
      ).toBe(1);
    });

    it('is idempotent, and a different label replaces the earlier one with a new revision', async () => {
      const p = v2.predictions[5]!;
      const again = await platform.feedback.labels.attach([{ predictionId: p.id, label: p.label }]);
      expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
      expect((await platform.feedback.labels.get(p.id)).revision).toBe(1);
      clock.advance(1000);
      const changed = await platform.feedback.labels.attach(
        [{ predictionId: p.id, label: otherClass(p.label) }],
        {
          source: 'review',
        },
      );
      expect(changed).toMatchObject({ created: 0, updated: 1, unchanged: 0 });
      const stored = await platform.feedback.labels.get(p.id);
      expect(stored).toMatchObject({ revision: 2, source: 'review', updatedTime: clock.now() });
      expect(stored.createdTime).toBeLessThan(stored.updatedTime);
      await platform.feedback.labels.attach([{ predictionId: p.id, label: p.label }]);
    });

    it('stores nothing when one label of a request names an unknown prediction', async () => {
      const fresh = v1.predictions[10]!;
      await expect(
        platform.feedback.labels.attach([
          { predictionId: fresh.id, label: fresh.label },
          { predictionId: 'pred_unknown', label: 'setosa' },
        ]),
      ).rejects.toMatchObject({ status: 404, field: 'labels[1].prediction_id' });
      await expect(platform.feedback.labels.get(fresh.id)).rejects.toMatchObject({ status: 404 });
    });

    it('rejects a class the model does not know and a label that is not a class, naming the label', async () => {
      const p = v1.predictions[10]!;
      await expect(
        platform.feedback.labels.attach([
          { predictionId: p.id, label: 'setosa' },
          { predictionId: p.id, label: 'daisy' },
        ]),
      ).rejects.toMatchObject({
        status: 400,
        field: 'labels[1].label',
        message: expect.stringContaining('versicolor'),
      });
      await expect(
        platform.feedback.labels.attach([{ predictionId: p.id, label: { a: 1 } }]),
      ).rejects.toMatchObject({ status: 400, field: 'labels[0].label' });
      await expect(platform.feedback.labels.attach([{ label: 'setosa' }])).rejects.toMatchObject({
        status: 400,
        field: 'labels[0].prediction_id',
      });
      await expect(platform.feedback.labels.attach([])).rejects.toMatchObject({
        status: 400,
        field: 'labels',
      });
    });

    it('labels the most recent prediction made with a request key', async () => {
      const rows = models.expected.rows.slice(0, 1);
      await platform.serving.predictions.predict({ ref: 'iris/1', records: rows, requestKey: 'user-7' });
      clock.advance(1000);
      const latest = await platform.serving.predictions.predict({
        ref: 'iris/1',
        records: rows,
        requestKey: 'user-7',
      });
      const result = await platform.feedback.labels.attach([
        { requestKey: 'user-7', model: 'iris', label: 'setosa' },
      ]);
      expect(result.labels[0]!.predictionId).toBe(latest.predictions[0]!.id);
      await expect(
        platform.feedback.labels.attach([{ requestKey: 'nobody', label: 'setosa' }]),
      ).rejects.toMatchObject({ status: 404, field: 'labels[0].request_key' });
    });

    it("splits a deployment's performance by arm, leaving shadow copies out", async () => {
      const rows = models.expected.rows.slice(0, 4);
      const from = clock.now();
      const arms: Record<string, PredictResult> = {};
      for (const [ref, arm] of [
        ['iris/1', 'primary'],
        ['iris/2', 'candidate'],
        ['iris/2', 'shadow'],
      ] as const) {
        arms[arm] = await platform.serving.predictions.predict({
          ref,
          records: rows,
          deployment: 'checkout',
          arm,
        });
      }
      await platform.feedback.labels.attach([
        ...arms.primary!.predictions.map((p) => ({ predictionId: p.id, label: p.label })),
        ...arms
          .candidate!.predictions.slice(0, 2)
          .map((p) => ({ predictionId: p.id, label: otherClass(p.label) })),
      ]);
      const report = await platform.performance.report({
        model: 'iris',
        deployment: 'checkout',
        byArm: true,
        from,
        to: clock.now() + 1,
      });
      expect(
        report.overall.map((g) => [g.arm, g.version, g.predictions, g.labelled, g.classification?.accuracy]),
      ).toEqual([
        ['primary', 1, 4, 4, 1],
        ['candidate', 2, 4, 2, 0],
      ]);
    });

    describe('a regressor', () => {
      it('takes finite numbers only, and reports RMSE, MAE and R²', async () => {
        const scored = await platform.serving.predictions.predict({
          ref: 'prices/1',
          records: tensorRows(models),
        });
        const p0 = scored.predictions[0]!;
        await expect(
          platform.feedback.labels.attach([{ predictionId: p0.id, label: 'high' }]),
        ).rejects.toMatchObject({
          status: 400,
          field: 'labels[0].label',
        });
        // Every true value one above the prediction: RMSE and MAE are 1.
        await platform.feedback.labels.attach(
          scored.predictions.map((p) => ({ predictionId: p.id, label: p.value! + 1 })),
        );
        const report = await platform.performance.report({ model: 'prices', from: t0, to: clock.now() + 1 });
        expect(report.task).toBe('regression');
        const [group] = report.overall;
        expect(group!.labelled).toBe(scored.predictions.length);
        expect(group!.regression!.rmse).toBeCloseTo(1, 6);
        expect(group!.regression!.mae).toBeCloseTo(1, 6);
      });
    });
  });
}
