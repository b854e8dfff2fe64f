import { useState } from 'react';

/**
 * Paging through an API that answers `nextPageToken`: the tokens of the pages seen so far form a
 * stack (the first page has none), so "Previous" pops and "Next" pushes without the server
 * having to answer backward tokens.
 */
export function usePageTokens() {
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  return {
    tokens,
    /** The token of the page shown now. */
    token: tokens[tokens.length - 1],
    /** Back to the first page (when the query changes). */
    reset: () => setTokens([undefined]),
    back: () => setTokens((t) => t.slice(0, -1)),
    forward: (next: string) => setTokens((t) => [...t, next]),
  };
}

export function TokenPager({
  pages,
  nextPageToken,
}: {
  pages: ReturnType<typeof usePageTokens>;
  nextPageToken: string | undefined;
}) {
  return (
    <div className="pager">
      <button disabled={pages.tokens.length < 2} onClick={pages.back}>
        ← Previous
      </button>
      <span>Page {pages.tokens.length}</span>
      <button disabled={!nextPageToken} onClick={() => nextPageToken && pages.forward(nextPageToken)}>
        Next →
      </button>
    </div>
  );
}
