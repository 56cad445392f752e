import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallDeadlineError, SnapHttp } from '@app/snap';

/**
 * `SNAP_READ_TIMEOUT_MS` is undici's time to the headers and between body chunks; a provider
 * that sends its answer a byte at a time never trips it. The whole call is bounded too
 * (connect + read timeout), or one such answer would hold a job, and its run, for days.
 */
describe('SnapHttp: the whole call has a deadline', () => {
  let server: Server;
  let url: string;
  const open = new Set<NodeJS.Timeout>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      if (req.url === '/fast') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        return;
      }
      if (req.url === '/processing') {
        // "102 Processing" every 100 ms and never a final answer: undici restarts its
        // headersTimeout on each interim answer, so only the call deadline ends this one.
        const interim = setInterval(() => res.writeProcessing(), 100);
        open.add(interim);
        res.on('close', () => clearInterval(interim));
        return;
      }
      // Headers at once, then one byte every 100 ms: each gap far below the read timeout.
      res.writeHead(200, { 'content-type': 'application/json' });
      const drip = setInterval(() => res.write(' '), 100);
      open.add(drip);
      res.on('close', () => clearInterval(drip));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const t of open) clearInterval(t);
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it.each([
    ['/drip', 'an answer dripped a byte every 100 ms'],
    ['/processing', 'an answer that only ever sends "102 Processing" (no headers)'],
  ])('%s: %s ends at connect + read timeout (700 ms here), as a call deadline', async (path) => {
    const http = new SnapHttp({ connectMs: 200, readMs: 500 });
    const started = Date.now();
    const error = await http.post(`${url}${path}`, {}, '{}').then(
      () => null,
      (e: unknown) => e,
    );
    const took = Date.now() - started;
    expect(error).toBeInstanceOf(CallDeadlineError);
    expect(error).toMatchObject({ code: 'SNAP_CALL_DEADLINE', ms: 700 });
    expect(took).toBeGreaterThanOrEqual(690);
    expect(took).toBeLessThan(5_000);
    // The pool is fine afterwards.
    expect(await http.post(`${url}/fast`, {}, '{}')).toEqual({ status: 200, body: '{"ok":true}' });
    await http.close();
  });
});
