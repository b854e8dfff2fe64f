import cliProgress, { type Options, type Params } from 'cli-progress';

// A CommonJS package: Node gives its exports to ESM as the default export only.
const { Format, SingleBar } = cliProgress;

/** A progress bar for long work; `finish` ends its line. */
export interface ProgressBar {
  /** `done` of `total` units; a new `unit` relabels the bar (a learner may count rows, then iterations). */
  update(done: number, total: number, unit?: string): void;
  finish(): void;
}

/**
 * The one progress bar of the CLI (cli-progress), on stderr so stdout stays clean for results and
 * `--json`; none unless stderr is a terminal or the command was given `--progress`. On a terminal
 * it redraws one line in place (at most ten times a second, also while training holds the event
 * loop); elsewhere (a log file, a CI job) it prints a line at each tenth of the work, since carriage
 * returns would pile up there. Each line shows the count in its unit, the rate and an ETA.
 */
export function progressBar(
  options: { progress?: boolean | undefined },
  unit: string,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressBar | undefined {
  const terminal = stream.isTTY === true;
  if (!terminal && options.progress !== true) return undefined;
  const bar = new SingleBar({
    stream,
    format: progressLine,
    barsize: 30,
    // Not on a terminal: lines are written only at the tenths below and at the end, not on a timer.
    noTTYOutput: !terminal,
    notTTYSchedule: 2 ** 31 - 1,
    // On a terminal the finished bar stays as the last line; elsewhere the last line is already written.
    clearOnComplete: !terminal,
    hideCursor: false,
    barCompleteChar: '#',
    barIncompleteChar: '-',
  });
  const tenthOf = (done: number, total: number) =>
    total > 0 ? Math.floor((Math.min(done, total) / total) * 10) : 10;
  let started = false;
  let lastTenth = -1;
  return {
    update(done, total, newUnit) {
      if (newUnit !== undefined && newUnit !== unit) {
        unit = newUnit;
        lastTenth = -1;
      }
      if (!started) {
        // Starting draws the first line.
        bar.start(total, done, { unit });
        started = true;
        lastTenth = tenthOf(done, total);
        return;
      }
      if (bar.getTotal() !== total) bar.setTotal(total);
      bar.update(done, { unit });
      if (terminal) return;
      const tenth = tenthOf(done, total);
      // The last line is written by `finish`, so it is not printed twice.
      if (tenth !== lastTenth && tenth < 10) bar.render();
      lastTenth = tenth;
    },
    finish() {
      if (started) bar.stop();
    },
  };
}

/** `[############------------------]  40%  400/1,000 rows  12,345 rows/s  ETA 3s` */
function progressLine(options: Options, params: Params, payload: { unit?: string }): string {
  const unit = payload.unit ?? '';
  const seconds = ((params.stopTime ?? Date.now()) - params.startTime) / 1000;
  const rate = seconds > 0 ? Math.round(params.value / seconds) : undefined;
  const remaining = params.total - params.value;
  const eta = remaining <= 0 ? '0s' : rate !== undefined && rate > 0 ? formatSeconds(remaining / rate) : '-';
  const count = (n: number) => n.toLocaleString('en-US');
  return (
    `[${Format.BarFormat(params.progress, options)}] ${String(Math.floor(params.progress * 100)).padStart(3)}%` +
    `  ${count(params.value)}/${count(params.total)} ${unit}` +
    (rate === undefined ? '' : `  ${count(rate)} ${unit}/s`) +
    `  ETA ${eta}`
  );
}

function formatSeconds(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
