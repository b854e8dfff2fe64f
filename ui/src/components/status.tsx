import { useState, type FormEvent, type ReactNode } from 'react';
import { saveToken, savedToken } from '../api';
import type { Loaded } from '../use-api';

/** The "API not on this server" state: features land one by one, and the page says so plainly. */
export function NotAvailable(props: { what: string; endpoint: string }) {
  return (
    <div className="notice" data-testid="not-available">
      <strong>{props.what}: not available on this server.</strong> Its API (<code>{props.endpoint}</code>) is
      not served by this version of mloop.
    </div>
  );
}

/** Renders loading, errors (with the API's message and field) or the loaded data. */
export function Load<T>(props: {
  state: Loaded<T>;
  what: string;
  endpoint: string;
  children: (data: T) => ReactNode;
}) {
  const { state } = props;
  if (state.error?.notAvailable) return <NotAvailable what={props.what} endpoint={props.endpoint} />;
  if (state.error?.status === 401) return <TokenForm message={state.error.message} />;
  if (state.error) {
    return (
      <div className="error" role="alert">
        {state.error.message}
        {state.error.field ? ` (field: ${state.error.field})` : ''}
      </div>
    );
  }
  if (state.data === undefined) return <div className="loading">Loading…</div>;
  return <>{props.children(state.data)}</>;
}

export function Empty(props: { children: ReactNode }) {
  return <div className="empty">{props.children}</div>;
}

/** A server with auth on answers 401: ask for a token once, keep it in this browser. */
function TokenForm(props: { message: string }) {
  const [token, setToken] = useState(savedToken() ?? '');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    saveToken(token.trim());
    window.location.reload();
  };
  return (
    <form className="notice" onSubmit={submit} data-testid="token-form">
      <p>
        <strong>This server requires a token.</strong> {props.message}
      </p>
      <input
        type="password"
        aria-label="API token"
        placeholder="mlp_…"
        value={token}
        onChange={(e) => setToken(e.target.value)}
      />{' '}
      <button type="submit">Use token</button>
    </form>
  );
}
