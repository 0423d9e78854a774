/**
 * @signedin/browser: a small client for browser apps served behind signedin, on the same
 * site (no CORS).
 *
 * The session lives in two HttpOnly cookies the server sets (`signedin_access`, short-lived,
 * and `signedin_refresh`, rotated on every use). Page scripts can never read them, and this
 * client stores nothing anywhere (no localStorage, sessionStorage, IndexedDB or readable
 * cookie): all it keeps is in memory, per tab.
 *
 * Refreshing is the delicate part. Every tab of a site shares the one refresh cookie, and the
 * server rotates it on each use, so tabs that refresh on their own race one another; a
 * rotated cookie presented too late is treated as stolen and ends the session (the
 * "multi-tab logout" known from other session libraries). Here:
 *  - a refresh runs under a Web Lock (`signedin:refresh`) shared by every tab of the origin;
 *  - a tab that got the lock after another tab refreshed does not refresh again: it hears the
 *    other tab on a BroadcastChannel (`signedin`), or asks `GET /auth/check` whether the
 *    cookie it now holds is good;
 *  - within a tab, concurrent callers share one refresh (single flight); without Web Locks
 *    (an insecure origin, an old browser) that is all there is, and the server's grace window
 *    covers tabs that refresh at the same moment;
 *  - a refresh answered 401 is tried once more after a short pause (another tab or the
 *    devices page may have rotated the cookie underneath it); if that fails too, the session
 *    is over: every tab hears it and `onSignedOut` is called;
 *  - one tab (the leader, elected with a second Web Lock) refreshes shortly before the access
 *    cookie expires, so requests seldom meet a 401 at all.
 */

/** The body of an `application/problem+json` answer (RFC 9457), as signedin sends them. */
export interface Problem {
  /** A stable identifier to branch on, e.g. `invalid_credentials`, `reauth_required`. */
  type: string;
  title: string;
  status: number;
  detail: string;
  [extension: string]: unknown;
}

/**
 * Every failure this client reports. `status` is the HTTP status (0 when the request never
 * got an answer: offline, aborted, timed out); `type` (alias `code`), `title` and `detail`
 * come from the server's problem+json when there was one.
 */
export class SignedinError extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  readonly problem: Problem | null;

  constructor(status: number, problem: Problem | null, message?: string) {
    const type = problem?.type ?? (status === 0 ? 'network_error' : `http_${status}`);
    const title = problem?.title ?? (status === 0 ? 'Network error' : `HTTP ${status}`);
    const detail = problem?.detail ?? message ?? '';
    super(detail ? `${title}: ${detail}` : title);
    this.name = 'SignedinError';
    this.status = status;
    this.type = type;
    this.title = title;
    this.detail = detail;
    this.problem = problem;
  }

  /** The same as `type`. */
  get code(): string {
    return this.type;
  }
}

/** Why the client considers itself signed out. */
export type SignedOutReason =
  /** `signOut()` in this tab. */
  | 'sign-out'
  /** Another tab signed out, or found the session over. */
  | 'other-tab'
  /** The server refused to refresh twice: the session ended (signed out elsewhere, expired). */
  | 'session-ended'
  /** `revokeSession()` ended this tab's own session. */
  | 'revoked';

export type SignedOutListener = (reason: SignedOutReason) => void;

export interface ClientOptions {
  /**
   * Where signedin is served, on this site: `''` (default) for the page's own origin, or a
   * path prefix such as `'/auth-server'` when a proxy mounts it there. Requests are sent with
   * `credentials: 'same-origin'`.
   */
  baseUrl?: string;
  /** Called once each time this tab goes from signed in (or unknown) to signed out. */
  onSignedOut?: SignedOutListener;
  /**
   * Refresh this many seconds before the access cookie expires, in one tab only (default:
   * 60, or a quarter of the lifetime when that is shorter). `false` turns proactive refresh
   * off; requests that meet a 401 still refresh.
   */
  refreshMarginSeconds?: number | false;
  /** Pause before the one retry of a refresh answered 401, in ms (default 50). */
  retryDelayMs?: number;
  /** A refresh (and the lock it holds) is abandoned after this many ms (default 20000). */
  refreshTimeoutMs?: number;
  /**
   * Names of the Web Lock and BroadcastChannel (default `'signedin'`, giving the lock
   * `signedin:refresh`). Apps mounting two signedin servers on one origin set one each.
   */
  namespace?: string;
}

/** What the client knows about its session, in memory. */
export interface SessionInfo {
  userId: string | null;
  /** The session's stable id (`ses_` and 32 hex), as `listSessions()` shows it. */
  sessionId: string | null;
  /** When the access cookie expires (ms since the epoch), if known. */
  expiresAt: number | null;
}

export interface SignInResult {
  userId: string;
  sessionId: string;
  /** Seconds until the access cookie expires. */
  expiresIn: number;
}

export interface DeviceView {
  label: string;
  browser: string | null;
  os: string | null;
  kind: string;
  model: string | null;
  [field: string]: unknown;
}

export interface LocationView {
  city: string | null;
  region: string | null;
  country_code: string | null;
  country: string | null;
  label: string;
  [field: string]: unknown;
}

/** One live session of the signed-in user, as `GET /me/sessions` describes it. */
export interface Session {
  /** Stable id, `ses_` and 32 hex characters. */
  id: string;
  /** The name its owner gave it, or null. Plain text: escape it when you show it. */
  name: string | null;
  jti_prefix: string;
  user_agent: string;
  ip: string;
  created_at: string;
  last_used_at: string;
  signed_in_at: string;
  expires_at: string;
  /** True for the session this browser is using; it comes first in the list. */
  is_current: boolean;
  device: DeviceView;
  location?: LocationView | null;
  new_location: boolean;
  [field: string]: unknown;
}

export interface SignedinClient {
  /** `POST /auth/session`: signs in; the server sets the cookies. Throws `SignedinError`. */
  signIn(email: string, password: string): Promise<SignInResult>;
  /**
   * `DELETE /auth/session`: ends this session on the server, which clears the cookies; every
   * tab hears it. Resolves also when the session had already ended.
   */
  signOut(): Promise<void>;
  /**
   * Renews the cookies now (under the cross-tab lock; skipped if another tab renewed them
   * meanwhile). Resolves `true` when signed in afterwards, `false` when the session is over.
   */
  refresh(): Promise<boolean>;
  /**
   * `fetch` with the session, for the app's own endpoints behind signedin (and signedin's):
   * same-origin credentials; a 401 refreshes (once, shared across tabs) and retries the
   * request once; any other answer, and a 401 that survives the refresh, is returned as is.
   * URLs are used as given (`baseUrl` is not added). Bodies must be replayable (string,
   * Blob, FormData, URLSearchParams, ArrayBuffer), not streams.
   */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  /** `GET /me/sessions`: the user's live sessions, this one first. */
  listSessions(): Promise<Session[]>;
  /** `DELETE /me/sessions/{id}`: signs that device out. Its next request is refused. */
  revokeSession(id: string): Promise<void>;
  /** `PATCH /me/sessions/{id}`: names a session (`null` or blank removes the name). */
  renameSession(id: string, name: string | null): Promise<Session>;
  /** `GET /auth/check` (refreshing if needed): whether this browser has a live session. */
  isSignedIn(): Promise<boolean>;
  /** What this tab knows of its session (null once signed out). Nothing is a token. */
  session(): SessionInfo | null;
  /** Adds a listener for signed-out transitions; returns a function that removes it. */
  onSignedOut(listener: SignedOutListener): () => void;
  /** Stops timers, leaves the channel and gives up leadership. */
  close(): void;
}

type Message =
  | { type: 'refreshed'; at: number; expiresAt: number | null }
  | { type: 'signed-in'; at: number; userId: string; sessionId: string; expiresAt: number }
  /** `since`: when the request that found the session over was sent. */
  | { type: 'signed-out'; at: number; since: number };

type State = 'unknown' | 'signed-in' | 'signed-out';

const SESSION_PATH = '/auth/session';
const REFRESH_PATH = '/auth/session/refresh';
const CHECK_PATH = '/auth/check';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function lockManager(): LockManager | null {
  const nav = typeof navigator === 'undefined' ? undefined : navigator;
  const locks = nav && (nav as Navigator & { locks?: LockManager }).locks;
  return locks && typeof locks.request === 'function' ? locks : null;
}

async function readProblem(response: Response): Promise<Problem | null> {
  try {
    const text = await response.text();
    if (!text) return null;
    const body = JSON.parse(text) as Partial<Problem>;
    if (body && typeof body === 'object' && typeof body.type === 'string') {
      return {
        ...body,
        type: body.type,
        title: typeof body.title === 'string' ? body.title : '',
        status: typeof body.status === 'number' ? body.status : response.status,
        detail: typeof body.detail === 'string' ? body.detail : '',
      };
    }
  } catch {
    // Not JSON: a proxy's page, say. The status is all there is.
  }
  return null;
}

async function errorFrom(response: Response): Promise<SignedinError> {
  return new SignedinError(response.status, await readProblem(response));
}

function discard(response: Response): void {
  // Free the connection; the body is not needed.
  response.body?.cancel().catch(() => undefined);
}

export function createClient(options: ClientOptions = {}): SignedinClient {
  const base = (options.baseUrl ?? '').replace(/\/+$/, '');
  const namespace = options.namespace ?? 'signedin';
  const retryDelayMs = options.retryDelayMs ?? 50;
  const refreshTimeoutMs = options.refreshTimeoutMs ?? 20_000;
  const marginOption = options.refreshMarginSeconds;
  const locks = lockManager();
  const listeners = new Set<SignedOutListener>();
  if (options.onSignedOut) listeners.add(options.onSignedOut);

  let state: State = 'unknown';
  let info: SessionInfo = { userId: null, sessionId: null, expiresAt: null };
  /** When a refresh last completed, in this tab or one we heard of (ms since the epoch). */
  let lastRefreshAt = 0;
  /** The access cookie's lifetime as last seen, for the default margin. */
  let lifetimeMs: number | null = null;
  let inflight: Promise<boolean> | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  /** Proactive refreshes run in one tab: the holder of the leader lock. */
  let leader = locks === null;
  let resign: (() => void) | null = null;

  const channel: BroadcastChannel | null =
    typeof BroadcastChannel === 'function' ? new BroadcastChannel(namespace) : null;

  function url(path: string): string {
    return base + path;
  }

  function post(message: Message): void {
    try {
      channel?.postMessage(message);
    } catch {
      // A closed channel: nothing to tell.
    }
  }

  function rawFetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(url(path), { credentials: 'same-origin', cache: 'no-store', ...init });
  }

  function emitSignedOut(reason: SignedOutReason): void {
    const wasSignedOut = state === 'signed-out';
    state = 'signed-out';
    info = { userId: null, sessionId: null, expiresAt: null };
    clearTimer();
    if (wasSignedOut) return;
    for (const listener of Array.from(listeners)) {
      try {
        listener(reason);
      } catch (error) {
        setTimeout(() => {
          throw error;
        });
      }
    }
  }

  function signedOutHere(reason: SignedOutReason, since: number): void {
    post({ type: 'signed-out', at: Date.now(), since });
    emitSignedOut(reason);
  }

  function renewed(expiresInSecs: number | null, at: number): void {
    state = 'signed-in';
    lastRefreshAt = Math.max(lastRefreshAt, at);
    if (expiresInSecs !== null && Number.isFinite(expiresInSecs)) {
      lifetimeMs = expiresInSecs * 1000;
      info = { ...info, expiresAt: at + lifetimeMs };
    }
    schedule();
  }

  // --- proactive refresh, in the leader tab only -------------------------------------------

  function marginMs(): number | null {
    if (marginOption === false) return null;
    if (typeof marginOption === 'number') return marginOption * 1000;
    const lifetime = lifetimeMs ?? 900_000;
    return Math.min(60_000, lifetime / 4);
  }

  function clearTimer(): void {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  }

  function schedule(): void {
    clearTimer();
    const margin = marginMs();
    if (closed || !leader || margin === null || state !== 'signed-in' || info.expiresAt === null) return;
    const due = info.expiresAt - margin - Date.now();
    // A little jitter so tabs without Web Locks (every one of them schedules) rarely collide.
    const delay = Math.max(1000, due) + (locks ? 0 : Math.random() * Math.min(2000, Math.max(due, 0) * 0.1));
    timer = setTimeout(() => {
      timer = null;
      void refreshShared({ proactive: true }).catch(() => {
        // Offline or the server is busy: the next request's 401 will refresh.
      });
    }, delay);
  }

  if (locks) {
    void locks
      .request(`${namespace}:leader`, () => {
        if (closed) return undefined;
        leader = true;
        schedule();
        return new Promise<void>((resolve) => {
          resign = resolve;
        });
      })
      .catch(() => undefined);
  }

  // --- hearing the other tabs ---------------------------------------------------------------

  if (channel) {
    channel.onmessage = (event: MessageEvent<Message>) => {
      const message = event.data;
      if (!message || typeof message !== 'object') return;
      switch (message.type) {
        case 'refreshed':
          state = 'signed-in';
          lastRefreshAt = Math.max(lastRefreshAt, message.at);
          if (message.expiresAt !== null) {
            lifetimeMs = message.expiresAt - message.at;
            info = { ...info, expiresAt: message.expiresAt };
          }
          schedule();
          break;
        case 'signed-in':
          state = 'signed-in';
          lastRefreshAt = Math.max(lastRefreshAt, message.at);
          lifetimeMs = message.expiresAt - message.at;
          info = { userId: message.userId, sessionId: message.sessionId, expiresAt: message.expiresAt };
          schedule();
          break;
        case 'signed-out':
          // Cookies renewed here after the other tab's failing request was sent are newer
          // than what it found dead (a sign-in that crossed it, say): not our news.
          if (typeof message.since === 'number' && lastRefreshAt > message.since) break;
          emitSignedOut('other-tab');
          break;
      }
    };
  }

  // --- refreshing ------------------------------------------------------------------------------

  /** One `POST /auth/session/refresh`. `true`: renewed; `false`: refused (401). */
  async function postRefresh(): Promise<boolean> {
    const abort = new AbortController();
    const timeout = setTimeout(() => abort.abort(), refreshTimeoutMs);
    let response: Response;
    try {
      response = await rawFetch(REFRESH_PATH, { method: 'POST', signal: abort.signal });
    } catch (error) {
      throw new SignedinError(0, null, String(error));
    } finally {
      clearTimeout(timeout);
    }
    if (response.status === 401) {
      discard(response);
      return false;
    }
    if (!response.ok) throw await errorFrom(response);
    let expiresIn: number | null = null;
    try {
      const body = (await response.json()) as { expires_in?: unknown };
      if (typeof body.expires_in === 'number') expiresIn = body.expires_in;
    } catch {
      // A 200 without the body still renewed the cookies.
    }
    const at = Date.now();
    renewed(expiresIn, at);
    post({ type: 'refreshed', at, expiresAt: info.expiresAt });
    return true;
  }

  /** Whether the cookies this tab now holds are good (`GET /auth/check`). */
  async function cookieIsGood(): Promise<boolean> {
    try {
      const response = await rawFetch(CHECK_PATH);
      discard(response);
      return response.status === 204 || response.ok;
    } catch {
      return false;
    }
  }

  /**
   * The refresh itself, run with the lock held (or, without Web Locks, by one caller per tab).
   * `since`: when the request that met a 401 began; a refresh by anyone after that makes ours
   * unneeded.
   */
  async function refreshLocked(since: number | null, proactive: boolean): Promise<boolean> {
    if (since !== null && lastRefreshAt > since) return true;
    if (proactive) {
      const margin = marginMs();
      if (info.expiresAt !== null && margin !== null && info.expiresAt - margin > Date.now()) return true;
      if (state !== 'signed-in') return state !== 'signed-out';
    }
    // Another tab may have refreshed while this one waited for the lock and its message may
    // still be on its way: the cookie jar is shared, so ask the server about the cookie we
    // would now send. (Without the lock nobody waited, so there is nothing to ask.)
    if (since !== null && locks && (await cookieIsGood())) {
      state = 'signed-in';
      lastRefreshAt = Math.max(lastRefreshAt, Date.now());
      return true;
    }
    const sent = Date.now();
    if (await postRefresh()) return true;
    // Known signed out (signed out here or heard so, or never signed in since): nothing to
    // win back, and a retry would only spend the server's refresh budget.
    if (state === 'signed-out') return false;
    // Lost a race: someone rotated the cookie underneath this refresh, and their new cookie
    // may land in a moment. One more try, then the session is over.
    await sleep(retryDelayMs);
    if (await postRefresh()) return true;
    signedOutHere('session-ended', sent);
    return false;
  }

  function refreshShared({ since = null, proactive = false }: { since?: number | null; proactive?: boolean }): Promise<boolean> {
    if (inflight) return inflight;
    const run = (): Promise<boolean> => refreshLocked(since, proactive);
    // (The DOM typings say Promise<Promise<boolean>>; the lock resolves with run's value.)
    const locked = locks ? (locks.request(`${namespace}:refresh`, run) as unknown as Promise<boolean>) : run();
    const flight = locked.finally(() => {
      if (inflight === flight) inflight = null;
    });
    inflight = flight;
    return flight;
  }

  // --- the public API ----------------------------------------------------------------------------

  async function sessionFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const target = input;
    // A Request's body can be read once: keep a copy for the retry.
    const spare = target instanceof Request ? target.clone() : null;
    const options: RequestInit = { credentials: 'same-origin', ...init };
    const since = Date.now();
    const first = await fetch(target, options);
    if (first.status !== 401) return first;
    const signedIn = await refreshShared({ since });
    if (!signedIn) return first;
    discard(first);
    return fetch(spare ?? target, options);
  }

  async function json<T>(path: string, init?: RequestInit): Promise<T> {
    const response = await sessionFetch(url(path), init);
    if (!response.ok) throw await errorFrom(response);
    return (await response.json()) as T;
  }

  async function noContent(path: string, init?: RequestInit): Promise<void> {
    const response = await sessionFetch(url(path), init);
    if (!response.ok) throw await errorFrom(response);
    discard(response);
  }

  const client: SignedinClient = {
    async signIn(email, password) {
      let response: Response;
      try {
        response = await rawFetch(SESSION_PATH, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify({ email, password }),
        });
      } catch (error) {
        throw new SignedinError(0, null, String(error));
      }
      if (!response.ok) throw await errorFrom(response);
      const body = (await response.json()) as { user_id: string; session_id: string; expires_in: number };
      const at = Date.now();
      info = { userId: body.user_id, sessionId: body.session_id, expiresAt: null };
      renewed(body.expires_in, at);
      post({
        type: 'signed-in',
        at,
        userId: body.user_id,
        sessionId: body.session_id,
        expiresAt: info.expiresAt ?? at + body.expires_in * 1000,
      });
      return { userId: body.user_id, sessionId: body.session_id, expiresIn: body.expires_in };
    },

    async signOut() {
      const attempt = () => rawFetch(SESSION_PATH, { method: 'DELETE' });
      const sent = Date.now();
      let response: Response;
      try {
        response = await attempt();
        if (response.status === 401) {
          // The access cookie had expired: renew it (quietly) and sign out with it.
          discard(response);
          const renewedNow = await postRefresh().catch(() => false);
          response = renewedNow ? await attempt() : response;
        }
      } catch (error) {
        throw error instanceof SignedinError ? error : new SignedinError(0, null, String(error));
      }
      if (!response.ok && response.status !== 401) throw await errorFrom(response);
      discard(response);
      signedOutHere('sign-out', sent);
    },

    refresh() {
      return refreshShared({ since: Date.now() });
    },

    fetch: sessionFetch,

    async listSessions() {
      const body = await json<{ sessions: Session[] }>('/me/sessions', { headers: { Accept: 'application/json' } });
      const current = body.sessions.find((session) => session.is_current);
      if (current) {
        state = 'signed-in';
        info = { ...info, sessionId: current.id };
      }
      return body.sessions;
    },

    async revokeSession(id) {
      const sent = Date.now();
      await noContent(`/me/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
      if (info.sessionId !== null && id === info.sessionId) signedOutHere('revoked', sent);
    },

    renameSession(id, name) {
      return json<Session>(`/me/sessions/${encodeURIComponent(id)}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ name }),
      });
    },

    async isSignedIn() {
      const response = await sessionFetch(url(CHECK_PATH));
      discard(response);
      if (response.ok) {
        if (state !== 'signed-in') state = 'signed-in';
        return true;
      }
      if (response.status === 401) return false;
      throw await errorFrom(response);
    },

    session() {
      return state === 'signed-out' ? null : { ...info };
    },

    onSignedOut(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },

    close() {
      closed = true;
      clearTimer();
      channel?.close();
      resign?.();
      resign = null;
      leader = false;
      listeners.clear();
    },
  };
  return client;
}
