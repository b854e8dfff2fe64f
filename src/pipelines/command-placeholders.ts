/**
 * `${inputs.x}`, `${outputs.x}` and `${params.x}` in a shell step's command. Values never become
 * shell text: each placeholder is rewritten as a reference to an environment variable
 * (`"${MLOOP_PARAM_X}"` where the shell reads words, `${MLOOP_PARAM_X}` inside double quotes and
 * heredocs) and the value travels in the child's environment. The shell never parses the result
 * of an expansion as code, so `$(…)`, backquotes, `;`, quotes or newlines in a value stay data.
 * Contexts where a reference cannot stand for the value are refused when the step is defined:
 * single quotes and quoted heredocs (nothing expands there), backquotes (quoting inside them
 * differs between shells) and `$((…))` (some shells evaluate a variable's text as an expression).
 */

export type PlaceholderScope = 'inputs' | 'outputs' | 'params';

export interface CommandPlaceholder {
  scope: PlaceholderScope;
  name: string;
  /** The environment variable carrying the value: `MLOOP_PARAM_LEARNING_RATE` for `learning-rate`. */
  variable: string;
}

export interface RewrittenCommand {
  /** The command as `sh -c` runs it, placeholders replaced by variable references. */
  script: string;
  placeholders: CommandPlaceholder[];
}

const placeholder = /\$\{(inputs|outputs|params)\.([A-Za-z0-9_-]+)\}/y;
const anyPlaceholder = new RegExp(placeholder.source, 'g');
const prefixes: Record<PlaceholderScope, string> = {
  inputs: 'MLOOP_INPUT_',
  outputs: 'MLOOP_OUTPUT_',
  params: 'MLOOP_PARAM_',
};

/** The environment variable a placeholder's value travels in. */
export function placeholderVariable(scope: PlaceholderScope, name: string): string {
  return prefixes[scope] + name.toUpperCase().replaceAll('-', '_');
}

/** The params a command names as `${params.x}`, in order of first use. */
export function commandParams(command: string): string[] {
  const names = [...command.matchAll(anyPlaceholder)].filter((m) => m[1] === 'params').map((m) => m[2]!);
  return [...new Set(names)];
}

/**
 * Rewrites a command's placeholders as variable references, following the shell's quoting
 * (unquoted, "…", '…', $(…) nested in either, backquotes, $((…)), heredocs, comments).
 * Throws an Error naming the placeholder and its line when it stands where no reference can.
 */
export function rewriteCommand(command: string): RewrittenCommand {
  const rewriter = new Rewriter(command);
  rewriter.words(false);
  return { script: rewriter.out, placeholders: [...rewriter.found.values()] };
}

/** A command ready to run: its script and the variables that carry its placeholders' values. */
export interface PreparedCommand {
  script: string;
  env: Record<string, string>;
  /** The script and its variables as a step log shows them, secret params as `***`. */
  shown: string;
}

/** Rewrites a command and takes each placeholder's value from the step's inputs, outputs and params. */
export function prepareCommand(
  command: string,
  scopes: Record<PlaceholderScope, Record<string, unknown>>,
  secretParams: readonly string[] = [],
): PreparedCommand {
  const { script, placeholders } = rewriteCommand(command);
  const env: Record<string, string> = {};
  const shown: string[] = [];
  for (const { scope, name, variable } of placeholders) {
    const value = scopes[scope][name];
    if (value === undefined)
      throw new Error(`the command refers to \${${scope}.${name}}, which this step does not have`);
    env[variable] = typeof value === 'string' ? value : JSON.stringify(value);
    const secret = scope === 'params' && secretParams.includes(name);
    shown.push(`${variable}=${secret ? '***' : JSON.stringify(env[variable])}`);
  }
  return { script, env, shown: `$ ${script}\n${shown.length ? `  with ${shown.join(' ')}\n` : ''}` };
}

interface Heredoc {
  delimiter: string;
  stripTabs: boolean;
  quoted: boolean;
}

class Rewriter {
  out = '';
  readonly found = new Map<string, CommandPlaceholder>();
  private pos = 0;
  private readonly heredocs: Heredoc[] = [];

  constructor(
    private readonly src: string,
    /** Where `src` starts in the whole command, for line numbers of a heredoc body. */
    private readonly offset = 0,
    private readonly whole = src,
  ) {}

  /** Unquoted text: the command itself or the inside of `$(…)` (then it ends at its `)`). */
  words(inSubstitution: boolean): void {
    let depth = 0;
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (this.placeholder(true)) continue;
      if (c === '\\') this.copy(2);
      else if (c === "'")
        this.literalUntil(
          "'",
          'inside single quotes, where nothing expands; put it inside double quotes or outside quotes',
        );
      else if (c === '"') {
        this.copy(1);
        this.doubleQuoted(true);
      } else if (c === '`') this.backquoted();
      else if (this.at('$((')) this.arithmetic();
      else if (this.at('$(')) {
        this.copy(2);
        this.words(true);
      } else if (c === '(' && inSubstitution) {
        depth++;
        this.copy(1);
      } else if (c === ')' && inSubstitution) {
        this.copy(1);
        if (depth-- === 0) return;
      } else if (c === '#' && this.startsWord()) this.comment();
      else if (this.at('<<<'))
        this.copy(3); // bash's here-string: a word, not a heredoc
      else if (this.at('<<')) this.heredocOperator();
      else if (c === '\n') {
        this.copy(1);
        for (const heredoc of this.heredocs.splice(0)) this.heredocBody(heredoc);
      } else this.copy(1);
    }
  }

  /** Inside `"…"` (ends at its closing quote) or a heredoc body (`untilQuote` false: runs to the end). */
  private doubleQuoted(untilQuote: boolean): void {
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (this.placeholder(false)) continue;
      if (c === '\\') this.copy(2);
      else if (c === '"' && untilQuote) return this.copy(1);
      else if (c === '`') this.backquoted();
      else if (this.at('$((')) this.arithmetic();
      else if (this.at('$(')) {
        this.copy(2);
        this.words(true);
      } else this.copy(1);
    }
  }

  private placeholder(wordContext: boolean): boolean {
    placeholder.lastIndex = this.pos;
    const match = placeholder.exec(this.src);
    if (!match) return false;
    const scope = match[1] as PlaceholderScope;
    const name = match[2]!;
    const variable = placeholderVariable(scope, name);
    const clash = [...this.found.values()].find((p) => p.variable === variable && p.name !== name);
    if (clash)
      throw new Error(
        `\${${scope}.${clash.name}} and \${${scope}.${name}} would share the environment variable ${variable}; rename one`,
      );
    this.found.set(`${scope}.${name}`, { scope, name, variable });
    // Quoted where the shell splits words, so a value with spaces or `*` stays one argument.
    this.out += wordContext ? `"\${${variable}}"` : `\${${variable}}`;
    this.pos += match[0].length;
    return true;
  }

  /** Copies up to and including `end`, refusing a placeholder in between. */
  private literalUntil(end: string, where: string): void {
    const close = this.src.indexOf(end, this.pos + 1);
    const stop = close === -1 ? this.src.length : close + end.length;
    this.refuseWithin(this.pos, stop, where);
    this.copy(stop - this.pos);
  }

  private backquoted(): void {
    let i = this.pos + 1;
    while (i < this.src.length && this.src[i] !== '`') i += this.src[i] === '\\' ? 2 : 1;
    const stop = Math.min(i + 1, this.src.length);
    this.refuseWithin(this.pos, stop, 'inside backquotes `…`; write $(…) instead');
    this.copy(stop - this.pos);
  }

  private arithmetic(): void {
    let depth = 0;
    let i = this.pos + 1;
    for (; i < this.src.length; i++) {
      if (this.src[i] === '(') depth++;
      else if (this.src[i] === ')' && --depth === 0) break;
    }
    const stop = Math.min(i + 1, this.src.length);
    this.refuseWithin(
      this.pos,
      stop,
      'inside $((…)), where a shell may evaluate the value as an expression; compute with the value outside the shell (e.g. in the script you call)',
    );
    this.copy(stop - this.pos);
  }

  private comment(): void {
    const end = this.src.indexOf('\n', this.pos);
    this.copy((end === -1 ? this.src.length : end) - this.pos);
  }

  /** `<<WORD`, `<<-WORD`, `<<'WORD'`: the body starts after the end of this line. */
  private heredocOperator(): void {
    const match = /^<<(-?)[ \t]*((?:[^\s;&|<>()\\'"]|\\.|'[^']*'|"[^"]*")+)/.exec(this.src.slice(this.pos));
    if (!match) return this.copy(2);
    const word = match[2]!;
    this.heredocs.push({
      delimiter: word.replace(/\\(.)|['"]/g, '$1'),
      stripTabs: match[1] === '-',
      quoted: /['"\\]/.test(word),
    });
    this.copy(match[0].length);
  }

  private heredocBody(heredoc: Heredoc): void {
    const start = this.pos;
    let end = start;
    let next = start;
    while (next < this.src.length) {
      const lineEnd = this.src.indexOf('\n', next);
      const line = this.src.slice(next, lineEnd === -1 ? this.src.length : lineEnd);
      if ((heredoc.stripTabs ? line.replace(/^\t+/, '') : line) === heredoc.delimiter) break;
      next = lineEnd === -1 ? this.src.length : lineEnd + 1;
      end = next;
    }
    if (heredoc.quoted) {
      this.refuseWithin(
        start,
        end,
        `inside a heredoc with a quoted delimiter (<<'${heredoc.delimiter}'), where nothing expands; unquote the delimiter`,
      );
      return this.copy(end - start);
    }
    const body = new Rewriter(this.src.slice(start, end), this.offset + start, this.whole);
    for (const [key, found] of this.found) body.found.set(key, found);
    body.doubleQuoted(false);
    for (const [key, found] of body.found) this.found.set(key, found);
    this.out += body.out;
    this.pos = end;
  }

  private refuseWithin(from: number, to: number, where: string): void {
    anyPlaceholder.lastIndex = 0;
    const inside = anyPlaceholder.exec(this.src.slice(from, to));
    if (!inside) return;
    const at = this.offset + from + inside.index;
    const line = this.whole.slice(0, at).split('\n').length;
    throw new Error(`${inside[0]} at line ${line} of the command is ${where}`);
  }

  private startsWord(): boolean {
    return this.pos === 0 || /[\s;&|()]/.test(this.src[this.pos - 1]!);
  }

  private at(text: string): boolean {
    return this.src.startsWith(text, this.pos);
  }

  private copy(n: number): void {
    this.out += this.src.slice(this.pos, this.pos + n);
    this.pos += n;
  }
}
