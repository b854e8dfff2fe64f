import { Command, Help } from 'commander';
import { describe, expect, it } from 'vitest';
import { commandTable, entriesFor } from './command-table.js';

describe('the table of top-level commands', () => {
  it('matches the name, term and description each command module registers', async () => {
    const help = new Help();
    for (const entry of commandTable) {
      const program = new Command();
      (await entry.register())(program);
      const command = program.commands.find((c) => c.name() === entry.name);
      expect(command, entry.name).toBeDefined();
      if (!command) continue;
      expect(help.subcommandTerm(command), entry.name).toBe(entry.term);
      expect(command.description(), entry.name).toBe(entry.description);
      // A module that registers a command the table does not list would hide it from the help.
      for (const other of program.commands)
        expect(
          commandTable.map((e) => e.name),
          other.name(),
        ).toContain(other.name());
    }
  });

  it('loads only the command named by the first word, or all for an unknown word', () => {
    const names = (args: string[]) => {
      const entries = entriesFor(args);
      return entries === 'help-only' ? entries : entries.map((e) => e.name);
    };
    expect(names(['--help'])).toBe('help-only');
    expect(names([])).toBe('help-only');
    expect(names(['help'])).toBe('help-only');
    expect(names(['runs', 'list', '--json'])).toEqual(['runs']);
    expect(names(['--json', 'models', 'list'])).toEqual(['models']);
    expect(names(['help', 'tune'])).toEqual(['tune']);
    expect(names(['rusn'])).toHaveLength(commandTable.length);
  });
});
