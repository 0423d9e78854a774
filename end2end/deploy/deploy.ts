import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { Browser, BrowserContext, Page } from '@playwright/test';

// What scripts/e2e-deploy.sh set up: nginx on SIGNEDIN_BASE_URL (TLS with a certificate made
// for the run) in front of nodes a and b. A request carrying `X-Signedin-Node: a` (or b) is
// pinned by nginx to that node; any other is balanced. Every answer names the node that gave
// it in `X-Served-By` (nginx's $upstream_addr: "addr" or, after a retry, "addr1, addr2").

export type NodeName = 'a' | 'b';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run scripts/e2e-deploy.sh`);
  return value;
}

export const origin = (): string => env('SIGNEDIN_BASE_URL');
export const nodeAddr = (node: NodeName): string => env(`SIGNEDIN_DEPLOY_NODE_${node.toUpperCase()}`);
const dir = (): string => env('SIGNEDIN_DEPLOY_DIR');

/** The node behind an `X-Served-By` value: the last address nginx tried, or null if neither. */
export function servedBy(header: string | undefined | null): NodeName | null {
  const last = (header ?? '').split(',').pop()!.trim();
  if (last === nodeAddr('a')) return 'a';
  if (last === nodeAddr('b')) return 'b';
  return null;
}

/** A browser context that nginx sends to one node only, and a log of who served its requests. */
export async function pinnedDevice(
  browser: Browser,
  userAgent: string,
  node: NodeName | null,
): Promise<{ context: BrowserContext; page: Page; served: { url: string; by: string | null }[] }> {
  const context = await browser.newContext({
    userAgent,
    extraHTTPHeaders: node ? { 'X-Signedin-Node': node } : {},
  });
  const page = await context.newPage();
  return { context, page, served: recordServed(page) };
}

/** Which node served each response the page received, from now on. */
export function recordServed(page: Page): { url: string; by: string | null }[] {
  const served: { url: string; by: string | null }[] = [];
  page.on('response', (r) => served.push({ url: r.url(), by: servedBy(r.headers()['x-served-by']) }));
  return served;
}

/** A GET or other request to nginx, from Node, trusting only the run's certificate. */
export function request(
  agent: https.Agent,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(path, origin());
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent,
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

export function agent(): https.Agent {
  return new https.Agent({ keepAlive: true, maxSockets: 1, ca: readFileSync(env('SIGNEDIN_DEPLOY_CA')) });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * SIGTERM to a node, then wait until its process has exited; returns its exit status (0 is a
 * clean, drained stop) and how long that took.
 */
export async function stopNode(node: NodeName): Promise<{ status: number; ms: number }> {
  const pid = Number(readFileSync(`${dir()}/node-${node}.pid`, 'utf8'));
  const exitFile = `${dir()}/node-${node}.exit`;
  const started = Date.now();
  process.kill(pid, 'SIGTERM');
  const status = await until(`node ${node} (pid ${pid}) to exit`, 40_000, () =>
    existsSync(exitFile) ? Number(readFileSync(exitFile, 'utf8')) : undefined,
  );
  return { status, ms: Date.now() - started };
}

/** Starts a node again with the settings it had (the script's start-node-NAME.sh). */
export function startNode(node: NodeName): void {
  execFileSync(`${dir()}/start-node-${node}.sh`, { stdio: 'inherit' });
}

/** Waits until the node itself (not nginx) answers GET /readyz with 200, as an orchestrator would. */
export async function waitReady(node: NodeName, timeoutMs = 30_000): Promise<number> {
  const started = Date.now();
  await until(`node ${node} to be ready`, timeoutMs, async () => {
    try {
      const r = await fetch(`http://${nodeAddr(node)}/readyz`, { signal: AbortSignal.timeout(1_000) });
      return r.status === 200 ? true : undefined;
    } catch {
      return undefined;
    }
  });
  return Date.now() - started;
}

/** nginx's error log so far (warnings and errors: refused connections, retries, dead nodes). */
export function nginxErrors(): string {
  return readFileSync(`${dir()}/nginx/logs/error.log`, 'utf8');
}

/** nginx's access log lines (format `deploy` of scripts/e2e-deploy.sh). */
export function nginxAccess(): string[] {
  return readFileSync(`${dir()}/nginx/logs/access.log`, 'utf8').split('\n').filter(Boolean);
}

export { until };
