import { num } from '../format';

export interface Axis {
  name: string;
  values: (number | undefined)[];
}

/**
 * Parallel coordinates for sweeps: one vertical axis per numeric param or metric, one line per run,
 * colored by the last axis (usually the metric being optimized), so good regions stand out.
 */
export function ParallelCoordinates(props: {
  axes: Axis[];
  labels: string[];
  width?: number;
  height?: number;
}) {
  const width = props.width ?? 760;
  const height = props.height ?? 280;
  const pad = 30;
  const axes = props.axes.filter((a) => a.values.some((v) => v !== undefined));
  if (axes.length < 2) return <div className="empty">Need at least two numeric params or metrics.</div>;
  // Room on the right for the last axis's range labels.
  const x = (i: number) => pad + (i * (width - 3 * pad)) / (axes.length - 1);
  const ranges = axes.map((a) => {
    const vs = a.values.filter((v): v is number => v !== undefined);
    return { min: Math.min(...vs), max: Math.max(...vs) };
  });
  const y = (axis: number, v: number) => {
    const r = ranges[axis] as { min: number; max: number };
    const t = r.max === r.min ? 0.5 : (v - r.min) / (r.max - r.min);
    return height - pad - t * (height - 2 * pad);
  };
  const last = axes.length - 1;
  const color = (run: number) => {
    const v = axes[last]?.values[run];
    if (v === undefined) return '#999';
    const r = ranges[last] as { min: number; max: number };
    const t = r.max === r.min ? 0.5 : (v - r.min) / (r.max - r.min);
    return `hsl(${Math.round(220 - 220 * t)}, 70%, 45%)`;
  };
  return (
    <svg width={width} height={height} className="parallel" data-testid="parallel-coordinates">
      {props.labels.map((label, run) => {
        const points = axes
          .map((a, i) =>
            a.values[run] === undefined ? undefined : `${x(i)},${y(i, a.values[run] as number)}`,
          )
          .filter(Boolean)
          .join(' ');
        return (
          <polyline key={run} points={points} fill="none" stroke={color(run)} strokeWidth={1.5} opacity={0.8}>
            <title>{label}</title>
          </polyline>
        );
      })}
      {axes.map((a, i) => (
        <g key={a.name}>
          <line x1={x(i)} x2={x(i)} y1={pad} y2={height - pad} stroke="#444" />
          <text x={x(i)} y={pad - 10} textAnchor="middle" fontSize={11}>
            {a.name}
          </text>
          <text x={x(i) + 3} y={pad + 4} fontSize={9} fill="#666">
            {num(ranges[i]?.max)}
          </text>
          <text x={x(i) + 3} y={height - pad} fontSize={9} fill="#666">
            {num(ranges[i]?.min)}
          </text>
        </g>
      ))}
    </svg>
  );
}
