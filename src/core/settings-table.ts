import { settings } from './settings.js';

/** The README's configuration table, generated from the settings' declarations. */
export function configurationTable(): string {
  const code = (value: string): string => `\`${value.replace(/\|/g, '\\|')}\``;
  const row = (cells: string[]): string => `|${cells.map((cell) => (cell ? ` ${cell} ` : ' ')).join('|')}|`;
  return [
    row(['setting', 'flag', 'variable', 'default']),
    '|---|---|---|---|',
    ...Object.values(settings).map((setting) =>
      row([
        setting.description,
        setting.flag ? code(setting.flag) : '',
        code(setting.env),
        setting.shownDefault,
      ]),
    ),
  ].join('\n');
}

/** The README with its configuration table (between the two markers) replaced by the generated one. */
export function withConfigurationTable(readme: string): string {
  const start = readme.indexOf(tableStart);
  const end = readme.indexOf(tableEnd);
  if (start < 0 || end < start) throw new Error(`the README lacks the markers ${tableStart} … ${tableEnd}`);
  return `${readme.slice(0, start + tableStart.length)}\n\n${configurationTable()}\n\n${readme.slice(end)}`;
}

const tableStart = '<!-- configuration table: generated from src/core/settings.ts by npm run docs:config -->';
const tableEnd = '<!-- end of configuration table -->';
