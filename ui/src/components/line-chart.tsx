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
  height?: number;
  testId?: string;
  /** x is seconds since the epoch: dates on the axis. */
  time?: boolean;
}) {
  const host = useRef<HTMLDivElement>(null);
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
    const chart = new uPlot(
      {
        width: Math.max(320, element.clientWidth),
        height: props.height ?? 260,
        scales: {
          x: {
            time: props.time ?? false,
            // One x value (one window, one step) would otherwise stretch the axis over years.
            range: (_u, min, max) =>
              min === max ? [min - (props.time ? 3600 : 1), max + (props.time ? 3600 : 1)] : [min, max],
          },
        },
        axes: [{ label: props.xLabel }, {}],
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
      },
      [xs, ...ys] as uPlot.AlignedData,
      element,
    );
    return () => chart.destroy();
  }, [props.series, props.xLabel, props.height, props.time]);
  return <div ref={host} className="chart" data-testid={props.testId ?? 'line-chart'} />;
}
