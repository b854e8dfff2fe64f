export interface ProgressOptions {
  /** What is counted, e.g. `rows`. */
  unit: string;
  /** Where to draw; stderr by default, so stdout stays clean for results and `--json`. */
  stream?: NodeJS.WriteStream;
}

/** A progress bar for long work; `finish` ends its line. */
export interface ProgressBar {
  update(done: number, total: number): void;
  finish(): void;
}

const width = 30;
const redrawEveryMs = 100;

/**
 * A progress bar on stderr. On a terminal it redraws one line in place (at most ten times a
 * second); elsewhere (a log file, a CI job, when asked for with `--progress`) it prints a line
 * at each tenth of the work, since carriage returns would pile up there.
 */
export function progressBar(options: ProgressOptions): ProgressBar {
  const stream = options.stream ?? process.stderr;
  const started = Date.now();
  let drawnAt = 0;
  let lastTenth = -1;
  let last: { done: number; total: number } | undefined;

  const line = (done: number, total: number): string => {
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(fraction * width);
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? Math.round(done / seconds) : 0;
    const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
    return (
      `[${bar}] ${String(Math.floor(fraction * 100)).padStart(3)}%  ` +
      `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${options.unit}  ` +
      `${rate.toLocaleString('en-US')} ${options.unit}/s`
    );
  };

  return {
    update(done, total) {
      last = { done, total };
      if (stream.isTTY) {
        const now = Date.now();
        if (now - drawnAt < redrawEveryMs && done < total) return;
        drawnAt = now;
        stream.write(`\r${line(done, total)}\x1b[K`);
        return;
      }
      const tenth = total > 0 ? Math.floor((done / total) * 10) : 0;
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      stream.write(`${line(done, total)}\n`);
    },
    finish() {
      if (!last) return;
      if (stream.isTTY) stream.write(`\r${line(last.done, last.total)}\x1b[K\n`);
      else if (lastTenth < 10 && last.done >= last.total) stream.write(`${line(last.done, last.total)}\n`);
    },
  };
}
