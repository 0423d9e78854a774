import { test, expect } from '@playwright/test';
import { MAC_CHROME, PASSWORD, hydrated, sessionRows, signUp, uniqueEmail } from '../tests/helpers';
import { NodeName, agent, nginxAccess, nginxErrors, pinnedDevice, request, servedBy, sleep, startNode, stopNode, until, waitReady } from './deploy';

// A rolling restart, as docs/DEPLOY.md tells operators to do it: SIGTERM one node, wait until
// it has exited, start it again, wait for its /readyz, wait until nginx sends it requests
// again, then the next node. Meanwhile several clients send a steady stream of requests
// through nginx (pages, and GET /me/sessions with a Bearer token: requests nginx may resend
// to the other node). Not one may fail, and each node serves again after its restart.

const CLIENTS = Number(process.env.SIGNEDIN_DEPLOY_CLIENTS ?? 8);
const PAUSE_MS = 5;
const PATHS = ['/login', '/me/sessions', '/', '/me/sessions'];

type Outcome = { start: number; end: number; path: string; status: number; by: NodeName | null; retried: boolean; error?: string };

class Load {
  outcomes: Outcome[] = [];
  private running = true;
  private clients: Promise<void>[] = [];

  constructor(private token: string) {
    for (let i = 0; i < CLIENTS; i++) this.clients.push(this.client(i));
  }

  private async client(i: number): Promise<void> {
    const a = agent();
    for (let k = i; this.running; k++) {
      const path = PATHS[k % PATHS.length];
      const headers: Record<string, string> = path === '/me/sessions' ? { authorization: `Bearer ${this.token}` } : {};
      const start = Date.now();
      try {
        const r = await request(a, path, { headers });
        const header = String(r.headers['x-served-by'] ?? '');
        let status = r.status;
        let error: string | undefined;
        if (status === 200 && path === '/me/sessions' && !(JSON.parse(r.body).sessions?.length >= 1)) {
          status = -1;
          error = `unexpected body ${r.body.slice(0, 200)}`;
        }
        this.outcomes.push({ start, end: Date.now(), path, status, by: servedBy(header), retried: header.includes(','), error });
      } catch (e) {
        this.outcomes.push({ start, end: Date.now(), path, status: 0, by: null, retried: false, error: String(e) });
      }
      await sleep(PAUSE_MS);
    }
    a.destroy();
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.clients);
  }

  servedBy(node: NodeName, from: number, to = Infinity): number {
    return this.outcomes.filter((o) => o.by === node && o.status === 200 && o.start >= from && o.start < to).length;
  }
}

test('a rolling restart of both nodes under a steady stream of requests loses none', async ({ browser }) => {
  test.setTimeout(180_000);
  const email = uniqueEmail('deploy-rolling');

  // An open devices page (balanced, not pinned): its live stream ends when its node stops and
  // must come back through nginx, on whichever node is up, with no reload.
  const laptop = await pinnedDevice(browser, MAC_CHROME, null);
  await signUp(laptop.page, email);
  await hydrated(laptop.page);
  await laptop.page.evaluate(() => ((window as any).__noReload = true));

  const api = agent();
  const login = await request(api, '/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(login.status).toBe(200);
  const token = JSON.parse(login.body).access_token as string;
  await expect(sessionRows(laptop.page)).toHaveCount(2);

  const began = Date.now();
  const load = new Load(token);
  await until('both nodes to serve the load', 20_000, () =>
    load.servedBy('a', began) >= 50 && load.servedBy('b', began) >= 50 ? true : undefined,
  );

  const steps: string[] = [];
  const marks: Record<string, number> = { began };
  for (const node of ['a', 'b'] as NodeName[]) {
    marks[`${node}.sigterm`] = Date.now();
    const stopped = await stopNode(node);
    expect(stopped.status, `node ${node} exits cleanly after SIGTERM`).toBe(0);
    marks[`${node}.exited`] = Date.now();
    marks[`${node}.started`] = Date.now();
    startNode(node);
    const readyMs = await waitReady(node);
    marks[`${node}.ready`] = Date.now();
    // nginx learns of it passively: the next request it tries there after fail_timeout.
    await until(`nginx to send node ${node} requests again`, 15_000, () =>
      load.servedBy(node, marks[`${node}.ready`]) > 0 ? true : undefined,
    );
    marks[`${node}.serving`] = Date.now();
    steps.push(
      `node ${node}: exited ${stopped.ms} ms after SIGTERM (status ${stopped.status}), ready ${readyMs} ms after start, ` +
        `served through nginx again ${marks[`${node}.serving`] - marks[`${node}.ready`]} ms after ready`,
    );
  }
  const restarted = Date.now();
  await until('both nodes to serve after the restarts', 15_000, () =>
    load.servedBy('a', restarted) >= 20 && load.servedBy('b', restarted) >= 20 ? true : undefined,
  );
  await load.stop();
  const ended = Date.now();

  // The live page heard nothing it missed: a sign-in now still reaches it, with no reload.
  const again = await request(api, '/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(again.status).toBe(200);
  api.destroy();
  await expect(sessionRows(laptop.page)).toHaveCount(3, { timeout: 10_000 });
  expect(await laptop.page.evaluate(() => (window as any).__noReload)).toBe(true);
  await laptop.context.close();

  const failures = load.outcomes.filter((o) => o.status !== 200);
  const retried = load.outcomes.filter((o) => o.retried);
  const perNode = (from: number, to: number) => `a ${load.servedBy('a', from, to)}, b ${load.servedBy('b', from, to)}`;
  const errorLog = nginxErrors();
  const upstreamErrors = errorLog.split('\n').filter((l) => /upstream|no live/.test(l));
  const summary = [
    `${load.outcomes.length} requests from ${CLIENTS} clients in ${((ended - began) / 1000).toFixed(1)} s, ${failures.length} failed, ` +
      `${retried.length} answered by the other node after a failed try`,
    ...steps,
    `served before the restarts: ${perNode(began, marks['a.sigterm'])}`,
    `while node a restarted: ${perNode(marks['a.sigterm'], marks['a.serving'])}`,
    `while node b restarted: ${perNode(marks['b.sigterm'], marks['b.serving'])}`,
    `after both: ${perNode(restarted, ended)}`,
    `nginx logged ${upstreamErrors.length} upstream errors, e.g.:`,
    ...upstreamErrors.slice(0, 6).map((l) => '  ' + l.replace(/^\S+ \S+ /, '')),
  ].join('\n');
  console.log(summary);
  await test.info().attach('summary', { body: summary });
  await test.info().attach('nginx-error.log', { body: errorLog });
  await test.info().attach('nginx-access.log (last 400 lines)', { body: nginxAccess().slice(-400).join('\n') });

  expect(failures.slice(0, 20), `failed requests (of ${failures.length})`).toEqual([]);
  for (const node of ['a', 'b'] as NodeName[]) {
    expect(load.servedBy(node, began, marks['a.sigterm']), `node ${node} served before the restarts`).toBeGreaterThan(0);
    expect(load.servedBy(node, restarted, ended), `node ${node} served after the restarts`).toBeGreaterThan(0);
  }
  // While a node was down its partner served everything (X-Served-By tells the truth).
  for (const node of ['a', 'b'] as NodeName[]) {
    expect(load.servedBy(node, marks[`${node}.exited`], marks[`${node}.started`])).toBe(0);
  }
});
