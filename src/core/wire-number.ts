/** JSON has no NaN or Infinity; metric values carry them as these strings, as protobuf JSON does. */
export type WireNumberValue = number | 'NaN' | 'Infinity' | '-Infinity';

export function toWireNumber(value: number): WireNumberValue {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

export function fromWireNumber(value: WireNumberValue | string): number {
  return typeof value === 'number' ? value : Number(value);
}
