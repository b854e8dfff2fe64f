/** How the dashboard writes times, numbers and sizes. */
export function time(ms: number | undefined): string {
  if (ms === undefined) return '';
  // 0 is a time never recorded (stores before the Default experiment got its creation time), not 1970.
  if (ms <= 0) return '—';
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function num(value: number | string | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 1e-3 && Math.abs(value) < 1e6 ? value.toPrecision(4) : value.toExponential(3);
}

export function percent(share: number | undefined): string {
  return share === undefined || !Number.isFinite(share) ? '' : `${(share * 100).toFixed(1)}%`;
}

export function bytes(n: number | undefined): string {
  if (n === undefined) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
