import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareCommand, rewriteCommand } from './command-placeholders.js';
import { runCommand } from './shell-command.js';

const dir = mkdtempSync(join(tmpdir(), 'mloop-placeholders-'));
const marker = join(dir, 'pwned');

/** Values a pipeline author's caller might send, each trying to run `touch marker`. */
const payloads: [string, string][] = [
  ['$(…)', `$(touch ${marker})`],
  ['backquotes', `\`touch ${marker}\``],
  ['a semicolon', `x; touch ${marker}`],
  ['a single quote', `x'; touch ${marker}; echo '`],
  ['a double quote', `x"; touch ${marker}; echo "`],
  ['a newline', `x\ntouch ${marker}`],
  ['everything at once', `'"\`touch ${marker}\`"' $(touch ${marker}) ; touch ${marker} \n* ?`],
];

/** Every context an author can write a placeholder in (that the shell expands), and what the command receives. */
const contexts: [string, string, (v: string) => string][] = [
  ['unquoted', `printf '%s' \${params.v} > \${outputs.out}`, (v) => v],
  ['an assignment', `x=\${params.v}; printf '%s' "$x" > \${outputs.out}`, (v) => v],
  ['double quotes', `printf '%s' "[\${params.v}]" > \${outputs.out}`, (v) => `[${v}]`],
  ['$(…)', `printf '%s' "$(printf '%s.' \${params.v})" > \${outputs.out}`, (v) => `${v}.`],
  [
    '$(…) inside double quotes with its own quotes',
    `printf '%s' "<$(printf '%s' "\${params.v}")>" > \${outputs.out}`,
    (v) => `<${v}>`,
  ],
  ['a default expansion', `printf '%s' "\${UNSET_MLOOP_VAR:-\${params.v}}" > \${outputs.out}`, (v) => v],
  ['a heredoc', `cat > \${outputs.out} <<EOF\n\${params.v} "kept"\nEOF`, (v) => `${v} "kept"\n`],
  ['a heredoc with <<-', `cat > \${outputs.out} <<-END\n\t\${params.v}\n\tEND`, (v) => `${v}\n`],
];

describe('placeholders in shell commands', () => {
  for (const [where, command, expected] of contexts) {
    it.each(payloads)(
      `${where}: a value with %s reaches the command exactly and runs nothing`,
      async (_, value) => {
        const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
        const prepared = prepareCommand(command, { inputs: {}, outputs: { out }, params: { v: value } });
        const output: string[] = [];
        const outcome = await runCommand(prepared.script, {
          cwd: dir,
          env: { ...process.env, ...prepared.env },
          timeoutMs: 10_000,
          signal: new AbortController().signal,
          onOutput: (t) => output.push(t),
        });
        expect(outcome.exitCode, output.join('')).toBe(0);
        expect(existsSync(marker)).toBe(false);
        expect(readFileSync(out, 'utf8')).toBe(expected(value));
      },
    );
  }

  it.each([
    [
      'single quotes',
      "echo 'v=${params.v}'",
      /\$\{params.v\} at line 1 of the command is inside single quotes, where nothing expands/,
    ],
    ['backquotes', 'echo `echo ${params.v}`', /inside backquotes `…`; write \$\(…\) instead/],
    ['$((…))', 'echo $(( ${params.v} + 1 ))', /inside \$\(\(…\)\)/],
    [
      'a quoted heredoc',
      "cat <<'EOF'\nok\n${params.v}\nEOF",
      /at line 3 of the command is inside a heredoc with a quoted delimiter/,
    ],
    [
      'single quotes within $(…) on a later line',
      "echo start\necho $(echo '${params.v}')",
      /at line 2 of the command is inside single quotes/,
    ],
  ])('refuses a placeholder in %s, naming its line', (_, command, message) => {
    expect(() => rewriteCommand(command)).toThrow(message);
  });

  it('refuses two names that would share one environment variable', () => {
    expect(() => rewriteCommand('echo ${params.learning-rate} ${params.learning_rate}')).toThrow(
      /would share the environment variable MLOOP_PARAM_LEARNING_RATE/,
    );
  });

  it('reads a here-string as a word, not a heredoc', () => {
    expect(rewriteCommand('cat <<< ${params.v}\necho ${params.w}').script).toBe(
      'cat <<< "${MLOOP_PARAM_V}"\necho "${MLOOP_PARAM_W}"',
    );
  });

  it('leaves escaped placeholders and comments as written', () => {
    expect(rewriteCommand('echo \\${params.v} # uses ${params.v}').script).toBe(
      'echo \\${params.v} # uses ${params.v}',
    );
  });

  it('shows the command with its variables, a secret param as ***', () => {
    const prepared = prepareCommand(
      'login ${params.user} ${params.token}',
      { inputs: {}, outputs: {}, params: { user: 'ada', token: 's3cr3t' } },
      ['token'],
    );
    expect(prepared.shown).toBe(
      '$ login "${MLOOP_PARAM_USER}" "${MLOOP_PARAM_TOKEN}"\n  with MLOOP_PARAM_USER="ada" MLOOP_PARAM_TOKEN=***\n',
    );
    expect(prepared.env).toEqual({ MLOOP_PARAM_USER: 'ada', MLOOP_PARAM_TOKEN: 's3cr3t' });
  });
});
