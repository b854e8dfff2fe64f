/**
 * The steps a chart of long metric histories shows: about `maxResults` steps spread evenly over
 * [minStep, maxStep] (each the first logged step at or after its mark), plus the last step of
 * each run, so every run's line reaches its end. When the range holds few enough steps, all.
 */
export function sampledSteps(
  stepsPerRun: ReadonlyArray<readonly number[]>,
  minStep: number,
  maxStep: number,
  maxResults: number,
): Set<number> {
  const inRange = (s: number) => s >= minStep && s <= maxStep;
  const all = [...new Set(stepsPerRun.flat().filter(inRange))].sort((a, b) => a - b);
  if (all.length <= maxResults) return new Set(all);
  const chosen = new Set<number>();
  const interval = (maxStep - minStep) / maxResults;
  let i = 0;
  for (let k = 0; k < maxResults; k++) {
    const mark = minStep + k * interval;
    while (i < all.length && (all[i] as number) < mark) i++;
    if (i < all.length) chosen.add(all[i] as number);
  }
  for (const steps of stepsPerRun) {
    const last = Math.max(...steps.filter(inRange));
    if (Number.isFinite(last)) chosen.add(last);
  }
  return chosen;
}
