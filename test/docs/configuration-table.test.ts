import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withConfigurationTable } from '../../src/core/settings-table.js';

describe("the README's configuration table", () => {
  it('is the one generated from the declared settings (npm run docs:config rewrites it)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toBe(withConfigurationTable(readme));
  });
});
