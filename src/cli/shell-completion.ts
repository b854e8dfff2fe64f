import type { Command } from 'commander';

/** One command of the CLI as completion sees it: its words, its options and its subcommands. */
export interface CompletionNode {
  /** Names from the root, `mloop/runs/list`. */
  path: string;
  name: string;
  description: string;
  options: Array<{ long?: string; short?: string; description: string }>;
  subcommands: CompletionNode[];
}

export type Shell = 'bash' | 'zsh' | 'fish';
export const shells: readonly Shell[] = ['bash', 'zsh', 'fish'];

/** The tree of a fully registered commander program. */
export function completionTree(command: Command, parent = ''): CompletionNode {
  const path = parent ? `${parent}/${command.name()}` : command.name();
  const options = command.options.map((o) => ({
    ...(o.long ? { long: o.long } : {}),
    ...(o.short ? { short: o.short } : {}),
    description: o.description,
  }));
  options.push({ long: '--help', short: '-h', description: 'display help for command' });
  return {
    path,
    name: command.name(),
    description: command.description(),
    options,
    subcommands: command.commands
      .filter((c) => !(c as Command & { _hidden?: boolean })._hidden)
      .map((c) => completionTree(c, path)),
  };
}

function nodes(root: CompletionNode): CompletionNode[] {
  return [root, ...root.subcommands.flatMap(nodes)];
}

/** One line of text, as a shell's single-quoted word. */
function quoted(text: string): string {
  return `'${text.replace(/\s+/g, ' ').trim().replace(/'/g, `'\\''`)}'`;
}

/**
 * The script each shell sources. All three find the command path the same way: walk the words
 * typed so far, following a word only when it names a subcommand of the path so far (so option
 * values never move it), then offer that command's subcommands and options.
 */
export function completionScript(shell: Shell, root: CompletionNode): string {
  const all = nodes(root);
  const inner = all.filter((n) => n !== root).map((n) => n.path);
  if (shell === 'bash') {
    const cases = all.map((n) => {
      const words = [
        ...n.subcommands.map((s) => s.name),
        ...n.options.flatMap((o) => (o.long ? [o.long] : [])),
      ];
      return `    ${n.path}) words=${quoted(words.join(' '))} ;;`;
    });
    return `# bash completion for ${root.name}: source <(${root.name} completion bash)
_${root.name}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path=${root.name} word words="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    [[ "$word" == -* ]] && continue
    case "$path/$word" in
      ${inner.join('|')}) path="$path/$word" ;;
    esac
  done
  case "$path" in
${cases.join('\n')}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _${root.name} ${root.name}
`;
  }
  if (shell === 'zsh') {
    const entry = (word: string, description: string) =>
      quoted(`${word.replace(/:/g, '\\:')}:${description}`);
    const cases = all.map((n) => {
      const words = [
        ...n.subcommands.map((s) => entry(s.name, s.description)),
        ...n.options.flatMap((o) => (o.long ? [entry(o.long, o.description)] : [])),
      ];
      return `    (${n.path}) candidates=(${words.join(' ')}) ;;`;
    });
    return `#compdef ${root.name}
# zsh completion for ${root.name}: source <(${root.name} completion zsh), after compinit
_${root.name}() {
  local path=${root.name} word i
  local -a candidates
  for ((i = 2; i < CURRENT; i++)); do
    word="\${words[i]}"
    [[ "$word" == -* ]] && continue
    case "$path/$word" in
      (${inner.join('|')}) path="$path/$word" ;;
    esac
  done
  case "$path" in
${cases.join('\n')}
  esac
  _describe -t commands ${root.name} candidates
}
if [[ "\${funcstack[1]}" == "_${root.name}" ]]; then _${root.name} "$@"; else compdef _${root.name} ${root.name}; fi
`;
  }
  const lines = all.flatMap((n) => {
    const when = `-n ${quoted(`test (__${root.name}_path) = ${n.path}`)}`;
    return [
      ...n.subcommands.map(
        (s) => `complete -c ${root.name} ${when} -a ${s.name} -d ${quoted(s.description)}`,
      ),
      ...n.options.map(
        (o) =>
          `complete -c ${root.name} ${when}${o.long ? ` -l ${o.long.slice(2)}` : ''}${o.short ? ` -s ${o.short.slice(1)}` : ''} -d ${quoted(o.description)}`,
      ),
    ];
  });
  return `# fish completion for ${root.name}: ${root.name} completion fish | source
function __${root.name}_path
  set -l path ${root.name}
  for word in (commandline -opc)[2..-1]
    string match -q -- '-*' $word; and continue
    contains -- "$path/$word" ${inner.join(' ')}; and set path "$path/$word"
  end
  echo $path
end
${lines.join('\n')}
`;
}
