// `npm run docs:config`: writes the README's configuration table from the settings' declarations
// (src/core/settings.ts); test/docs/configuration-table.test.ts fails while they differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { withConfigurationTable } from '../src/core/settings-table.js';

const path = new URL('../README.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = withConfigurationTable(before);
if (after !== before) writeFileSync(path, after);
process.stdout.write(
  after === before
    ? 'README.md: configuration table up to date\n'
    : 'README.md: configuration table rewritten\n',
);
