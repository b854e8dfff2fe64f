import { duration } from '../format';

export interface DagStep {
  name: string;
  needs: string[];
  status?: string;
  cacheHit?: boolean;
  durationMs?: number;
}

const boxWidth = 150;
const boxHeight = 46;
const gapX = 60;
const gapY = 16;
const colors: Record<string, string> = {
  succeeded: '#16a34a',
  completed: '#16a34a',
  running: '#2563eb',
  failed: '#dc2626',
  cancelled: '#6b7280',
  skipped: '#9ca3af',
  pending: '#d1d5db',
};

/**
 * A pipeline's steps as a left-to-right DAG: a step's column is its longest chain of needs, so
 * every edge points right; each box shows status (color), duration and cache hits.
 */
export function PipelineDag(props: {
  steps: DagStep[];
  selected?: string;
  onSelect?: (step: string) => void;
}) {
  const byName = new Map(props.steps.map((s) => [s.name, s]));
  const depth = new Map<string, number>();
  const depthOf = (name: string, seen: Set<string> = new Set()): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    if (seen.has(name)) return 0; // a cycle is refused at registration; never loop here
    seen.add(name);
    const needs = byName.get(name)?.needs ?? [];
    const d = needs.length === 0 ? 0 : 1 + Math.max(...needs.map((n) => depthOf(n, seen)));
    depth.set(name, d);
    return d;
  };
  const columns: string[][] = [];
  for (const s of props.steps) (columns[depthOf(s.name)] ??= []).push(s.name);
  const position = new Map<string, { x: number; y: number }>();
  columns.forEach((names, c) =>
    names.forEach((n, r) =>
      position.set(n, { x: 10 + c * (boxWidth + gapX), y: 10 + r * (boxHeight + gapY) }),
    ),
  );
  const width = 20 + columns.length * (boxWidth + gapX);
  const height = 20 + Math.max(1, ...columns.map((c) => c.length)) * (boxHeight + gapY);
  return (
    <svg width={width} height={height} className="dag" data-testid="pipeline-dag">
      {props.steps.flatMap((s) =>
        s.needs.map((n) => {
          const from = position.get(n);
          const to = position.get(s.name);
          if (!from || !to) return null;
          return (
            <line
              key={`${n}->${s.name}`}
              x1={from.x + boxWidth}
              y1={from.y + boxHeight / 2}
              x2={to.x}
              y2={to.y + boxHeight / 2}
              stroke="#94a3b8"
              strokeWidth={1.5}
            />
          );
        }),
      )}
      {props.steps.map((s) => {
        const p = position.get(s.name) as { x: number; y: number };
        const status = (s.status ?? 'pending').toLowerCase();
        const color = colors[status] ?? '#d1d5db';
        return (
          <g
            key={s.name}
            transform={`translate(${p.x},${p.y})`}
            onClick={() => props.onSelect?.(s.name)}
            style={{ cursor: props.onSelect ? 'pointer' : undefined }}
            data-step={s.name}
          >
            <rect
              width={boxWidth}
              height={boxHeight}
              rx={5}
              fill="#fff"
              stroke={color}
              strokeWidth={props.selected === s.name ? 3 : 2}
            />
            <text x={8} y={18} fontSize={12} fontWeight={600}>
              {s.name}
            </text>
            <text x={8} y={36} fontSize={11} fill={color}>
              {status}
              {s.durationMs !== undefined ? ` · ${duration(s.durationMs)}` : ''}
              {s.cacheHit ? ' · cached' : ''}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
