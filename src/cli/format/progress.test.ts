import { describe, expect, it } from 'vitest';
import { progressBar } from './progress.js';

/** A stream that is not a terminal (a log file, a CI job), keeping what is written. */
function logStream(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = {
    isTTY: false,
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
}

describe('the progress bar', () => {
  it('draws nothing when stderr is not a terminal and --progress was not given', () => {
    const { stream } = logStream();
    expect(progressBar({}, 'rows', stream)).toBeUndefined();
  });

  it('writes a line per tenth of the work off a terminal, with the unit, rate and ETA, ending full', () => {
    const { stream, text } = logStream();
    const bar = progressBar({ progress: true }, 'rows', stream)!;
    for (let done = 0; done <= 1000; done += 50) bar.update(done, 1000);
    bar.finish();
    const lines = text().trimEnd().split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[0]).toMatch(/^\[-{30}\] {3}0% {2}0\/1,000 rows/);
    expect(lines[4]).toMatch(/^\[#{12}-{18}\] {2}40% {2}400\/1,000 rows {2}[\d,]+ rows\/s {2}ETA \S+$/);
    expect(lines[10]).toMatch(/^\[#{30}\] 100% {2}1,000\/1,000 rows .*ETA 0s$/);
  });

  it('follows a total that shrinks when the work ends early, and a new unit', () => {
    const { stream, text } = logStream();
    const bar = progressBar({ progress: true }, 'iterations', stream)!;
    bar.update(1, 100, 'rows');
    bar.update(1, 1000, 'iterations');
    bar.update(37, 1000);
    bar.update(37, 37);
    bar.finish();
    expect(text().trimEnd().split('\n').at(-1)).toMatch(/ 100% {2}37\/37 iterations /);
  });
});
