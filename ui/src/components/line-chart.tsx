import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  points: { x: number; y: number }[];
}

const palette = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];

/**
 * Lines over a shared x axis (metric steps, or time). uPlot draws on a canvas, which stays fast
 * with long metric histories; series are aligned on the union of their x values.
 */
export function LineChart(props: {
  series: Series[];
  xLabel: string;
  /** The y axis's title (a unit, such as ms). */
  yLabel?: string;
  height?: number;
  testId?: string;
  /** x is seconds since the epoch: dates on the axis. */
  time?: boolean;
  /** A fixed x range (the window asked for), instead of the data's extent. */
  xRange?: [number, number];
  /** A fixed y range (accuracy lives in [0, 1]), instead of one fitted to the data. */
  yRange?: [number, number];
}) {
  const host = useRef<HTMLDivElement>(null);
  // Compared by value, so a caller's inline [0, 1] does not redraw the chart on every render.
  const [x0, x1] = props.xRange ?? [];
  const [y0, y1] = props.yRange ?? [];
  useEffect(() => {
    const element = host.current;
    if (!element || props.series.length === 0) return;
    const xs = [...new Set(props.series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
    const index = new Map(xs.map((x, i) => [x, i]));
    const ys = props.series.map((s) => {
      const column: (number | null)[] = new Array(xs.length).fill(null);
      for (const p of s.points) column[index.get(p.x) as number] = p.y;
      return column;
    });
    const xRange: [number, number] =
      x0 !== undefined && x1 !== undefined ? [x0, x1] : dataRange(xs, props.time ? 3600 : 1);
    const yRange: [number, number] | undefined = y0 !== undefined && y1 !== undefined ? [y0, y1] : undefined;
    const chart = new uPlot(
      {
        width: Math.max(320, element.clientWidth),
        height: props.height ?? 260,
        scales: {
          // The range is computed here, not left to uPlot: for a single time value it widens the
          // axis by 86400 / ms units, which with second timestamps is 1000 days.
          x: { time: props.time ?? false, range: (): uPlot.Range.MinMax => [xRange[0], xRange[1]] },
          ...(yRange ? { y: { range: (): uPlot.Range.MinMax => [yRange[0], yRange[1]] } } : {}),
        },
        axes: [{ label: props.xLabel }, props.yLabel ? { label: props.yLabel } : {}],
        series: [
          { label: props.xLabel },
          ...props.series.map((s, i) => ({
            label: s.label,
            stroke: palette[i % palette.length],
            width: 2,
            spanGaps: true,
            points: { show: xs.length < 60 },
          })),
        ],
        hooks: {
          // The drawn ranges, readable from the page (the axes themselves are canvas pixels).
          setScale: [
            (u: uPlot, key: string) => {
              const scale = u.scales[key];
              element.dataset[`${key}Min`] = String(scale?.min ?? '');
              element.dataset[`${key}Max`] = String(scale?.max ?? '');
            },
          ],
        },
      },
      [xs, ...ys] as uPlot.AlignedData,
      element,
    );
    return () => chart.destroy();
  }, [props.series, props.xLabel, props.yLabel, props.height, props.time, x0, x1, y0, y1]);
  return <div ref={host} className="chart" data-testid={props.testId ?? 'line-chart'} />;
}

/** The data's extent; a single value is padded by `pad` on each side. */
function dataRange(xs: number[], pad: number): [number, number] {
  const min = xs[0] ?? 0;
  const max = xs[xs.length - 1] ?? min;
  return min === max ? [min - pad, max + pad] : [min, max];
}
