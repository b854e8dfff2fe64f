import { describe, expect, it } from 'vitest';
import type { ColumnProfile, DatasetVersion } from '../../data/types.js';
import { renderDatasetVersion } from './data-render.js';

const column = (changes: Partial<ColumnProfile>): ColumnProfile => ({
  name: 'customer_id',
  type: 'VARCHAR',
  kind: 'categorical',
  count: 4_400_000,
  missingShare: 0,
  distinct: 2_173_004,
  ...changes,
});

const version = (columns: ColumnProfile[]): DatasetVersion => ({
  name: 'orders',
  version: 1,
  digest: 'd'.repeat(64),
  format: 'csv',
  schema: columns.map((c) => ({ name: c.name, type: c.type })),
  rowCount: 4_400_000,
  sizeBytes: 1,
  files: [],
  storagePath: 'datasets/orders/1',
  profile: { rowCount: 4_400_000, columns },
  createdAt: Date.parse('2026-12-03T12:00:00Z'),
  tags: {},
});

describe('mloop data show', () => {
  it('marks an estimated distinct count with ≈ and prints a counted one as it is', () => {
    const estimated = renderDatasetVersion(version([column({ distinctApproximate: true })]));
    expect(estimated).toMatch(/customer_id\s+VARCHAR\s+0%\s+≈2,173,004\s/);
    const counted = renderDatasetVersion(version([column({ distinct: 2200 })]));
    expect(counted).toMatch(/customer_id\s+VARCHAR\s+0%\s+2,200\s/);
    expect(counted).not.toContain('≈');
  });
});
