import {
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * The bounds MLflow's server puts on a GraphQL request before it runs any of it, so one request
 * cannot fan out into thousands of store reads: nesting depth, total fields selected, fields at
 * the root (each a store call), and aliases at one level (which repeat a field under new names).
 * Fragments count where they are spread, as if written out there. Same values as MLflow's
 * defaults, with its messages.
 */
export const GRAPHQL_LIMITS = { depth: 10, selections: 1000, rootFields: 10, aliases: 10 } as const;

/** Tokens the parser reads at most: a bound on parsing cost, far above any query within the limits. */
export const GRAPHQL_MAX_TOKENS = 20_000;

/** Why the document is refused, or undefined when it is within every bound. */
export function graphqlLimitBreached(document: DocumentNode): string | undefined {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  let rootFields = 0;
  let maxAliases = 0;
  let selections = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const pending: Array<{ set: SelectionSetNode; depth: number }> = [
      { set: definition.selectionSet, depth: 1 },
    ];
    for (let next = pending.pop(); next; next = pending.pop()) {
      const { set, depth } = next;
      if (depth > GRAPHQL_LIMITS.depth) return `Query exceeds maximum depth of ${GRAPHQL_LIMITS.depth}`;
      const level = fieldsAtLevel(set, fragments);
      maxAliases = Math.max(maxAliases, level.aliases);
      for (const field of level.fields) {
        if (depth === 1) rootFields++;
        if (++selections > GRAPHQL_LIMITS.selections)
          return `Query exceeds maximum total selections of ${GRAPHQL_LIMITS.selections}`;
        if (field.selectionSet) pending.push({ set: field.selectionSet, depth: depth + 1 });
      }
    }
  }
  if (rootFields > GRAPHQL_LIMITS.rootFields)
    return tooMany(GRAPHQL_LIMITS.rootFields, rootFields, 'root fields');
  if (maxAliases > GRAPHQL_LIMITS.aliases) return tooMany(GRAPHQL_LIMITS.aliases, maxAliases, 'aliases');
  return undefined;
}

function tooMany(limit: number, got: number, what: string): string {
  return `GraphQL queries should have at most ${limit} ${what}, got ${got} ${what}.`;
}

/**
 * The fields selected at one level, inline fragments and spread fragments merged in (each
 * fragment once, so a cycle ends), and how many of them carry an alias: aliases spread over
 * sibling fragments count together.
 */
function fieldsAtLevel(
  set: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): { fields: Array<Extract<SelectionNode, { kind: Kind.FIELD }>>; aliases: number } {
  const fields: Array<Extract<SelectionNode, { kind: Kind.FIELD }>> = [];
  let aliases = 0;
  const spread = new Set<string>();
  const queue: SelectionNode[] = [...set.selections];
  for (let i = 0; i < queue.length; i++) {
    const selection = queue[i] as SelectionNode;
    if (selection.kind === Kind.FIELD) {
      fields.push(selection);
      if (selection.alias) aliases++;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) queue.push(...selection.selectionSet.selections);
    else if (!spread.has(selection.name.value)) {
      spread.add(selection.name.value);
      const fragment = fragments.get(selection.name.value);
      if (fragment) queue.push(...fragment.selectionSet.selections);
    }
  }
  return { fields, aliases };
}
