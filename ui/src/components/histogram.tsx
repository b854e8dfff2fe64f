import { num } from '../format';

/** The two series' colours, shared by the bars and their legend. */
const colors = { bars: '#2563eb', compare: '#f97316' };

export interface Bar {
  label: string;
  count: number;
}

/** Bars as SVG: one or two series (reference vs current) over the same bins. */
export function Histogram(props: {
  bars: Bar[];
  compare?: Bar[];
  width?: number;
  height?: number;
  title?: string;
}) {
  const width = props.width ?? 260;
  const height = props.height ?? 90;
  const total = (bars: Bar[]) => bars.reduce((s, b) => s + b.count, 0) || 1;
  // Shares, not counts, so a reference and a current window of different sizes compare.
  const shares = props.bars.map((b) => b.count / total(props.bars));
  const other = props.compare?.map((b) => b.count / total(props.compare ?? []));
  const max = Math.max(...shares, ...(other ?? []), 1e-9);
  const n = Math.max(props.bars.length, 1);
  const slot = width / n;
  const barWidth = other ? slot / 2 - 1 : slot - 1;
  return (
    <svg
      width={width}
      height={height}
      className="histogram"
      role="img"
      aria-label={props.title ?? 'histogram'}
    >
      {shares.map((s, i) => (
        <rect
          key={`a${i}`}
          x={i * slot}
          y={height - (s / max) * height}
          width={barWidth}
          height={(s / max) * height}
          fill={colors.bars}
        >
          <title>{`${props.bars[i]?.label}: ${num(props.bars[i]?.count)}`}</title>
        </rect>
      ))}
      {other?.map((s, i) => (
        <rect
          key={`b${i}`}
          x={i * slot + slot / 2}
          y={height - (s / max) * height}
          width={barWidth}
          height={(s / max) * height}
          fill={colors.compare}
        >
          <title>{`${props.compare?.[i]?.label}: ${num(props.compare?.[i]?.count)}`}</title>
        </rect>
      ))}
    </svg>
  );
}

/** Names the two series of compared histograms: which colour is the reference, which the current. */
export function HistogramLegend(props: { bars: string; compare: string }) {
  return (
    <div className="legend" data-testid="histogram-legend">
      <span className="swatch" style={{ background: colors.bars }} /> {props.bars}{' '}
      <span className="swatch" style={{ background: colors.compare }} /> {props.compare}
    </div>
  );
}
