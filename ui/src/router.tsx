import { useEffect, useState, type MouseEvent, type ReactNode } from 'react';
import { pathOfMlflowHash } from './mlflow-links';

/**
 * A tiny history-API router: the dashboard has a dozen flat routes, which does not justify a
 * routing library. The server answers every client route with index.html (SPA fallback).
 */
const listeners = new Set<() => void>();

export function navigate(to: string): void {
  window.history.pushState(null, '', to);
  for (const listener of listeners) listener();
}

/**
 * Replaces an MLflow link's hash route (what the mlflow client prints) with the dashboard's own
 * path in place, so the link opens the run it names and Back does not return to it.
 */
export function followMlflowLink(): void {
  const path = pathOfMlflowHash(window.location.hash);
  if (path !== undefined) window.history.replaceState(null, '', path);
}

export function useLocation(): URL {
  const [href, setHref] = useState(window.location.href);
  useEffect(() => {
    const update = () => setHref(window.location.href);
    // An MLflow link pasted into the address bar of an open dashboard changes only the hash.
    const onHash = () => {
      followMlflowLink();
      update();
    };
    listeners.add(update);
    window.addEventListener('popstate', update);
    window.addEventListener('hashchange', onHash);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
      window.removeEventListener('hashchange', onHash);
    };
  }, []);
  return new URL(href);
}

/** Matches `/models/:name/versions/:version` style patterns; params are URI-decoded. */
export function match(pattern: string, pathname: string): Record<string, string> | undefined {
  const want = pattern.split('/').filter(Boolean);
  const got = pathname.split('/').filter(Boolean);
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    const g = got[i] as string;
    if (w.startsWith(':')) params[w.slice(1)] = decodeURIComponent(g);
    else if (w !== g) return undefined;
  }
  return params;
}

export function Link(props: { to: string; children: ReactNode; className?: string; title?: string }) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    navigate(props.to);
  };
  return (
    <a href={props.to} onClick={onClick} className={props.className} title={props.title}>
      {props.children}
    </a>
  );
}
