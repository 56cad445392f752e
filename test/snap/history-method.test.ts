import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import {
  fetchHistory,
  PermanentSnapError,
  ProviderProfileError,
  resolveProfile,
  profileOverridesFromEnv,
  SnapHttp,
} from '@app/snap';
import { World } from './support/world';

/**
 * PROTOCOL.md §3: Netzme's history page says GET with a JSON body, POST is the SNAP norm, and
 * the method must stay configurable. The profile's `history.method` (default POST) decides the
 * method sent and the method signed; the simulator's history route answers only its own
 * configured method and checks the signature over it, so a success over HTTP proves both.
 */
describe('history method: GET with a JSON body or POST, by profile setting', () => {
  let world: World;
  const window = () => ({
    currency: 'IDR',
    from: new Date(Date.now() - 3_600_000),
    to: new Date(Date.now() + 60_000),
  });

  beforeAll(async () => {
    world = await World.create({ simulator: { rules: { netzme: { historyMethod: 'GET' } } } });
    world.sim.putAccounts([
      {
        provider: 'netzme',
        accountNo: 'HIST-GET',
        history: {
          opening: '100.00',
          events: [
            { amount: '25.00', side: 'cr', trxId: 'T-GET-1' },
            { amount: '5.00', side: 'db', trxId: 'T-GET-2' },
          ],
        },
      },
    ]);
  });
  afterAll(() => world.close());

  it('the default is POST, for every provider profile that has a history', () => {
    expect(resolveProfile('netzme').history?.method).toBe('POST');
    expect(resolveProfile('finnet').history?.method).toBe('POST');
  });

  it('SNAP_NETZME_PROFILE can set GET (the rest of the history kept); another method is refused naming the field', () => {
    const env = { SNAP_NETZME_PROFILE: '{"history":{"method":"GET"}}' };
    const profile = resolveProfile('netzme', profileOverridesFromEnv('netzme', env));
    expect(profile.history?.method).toBe('GET');
    expect(profile.history?.path).toBe('/api/v1.0/transaction/history-list');
    expect(() =>
      resolveProfile(
        'netzme',
        profileOverridesFromEnv('netzme', { SNAP_NETZME_PROFILE: '{"history":{"method":"PUT"}}' }),
      ),
    ).toThrow(ProviderProfileError);
    expect(() =>
      resolveProfile(
        'netzme',
        profileOverridesFromEnv('netzme', { SNAP_NETZME_PROFILE: '{"history":{"method":"PUT"}}' }),
      ),
    ).toThrow(/history\.method/);
  });

  it('a GET profile reads the history from a GET-only history route (sent and signed as GET)', async () => {
    const client = world
      .newFactory({}, world.redis, { netzme: { history: { method: 'GET' } } })
      .get('netzme');
    const w = await fetchHistory(client, { accountNo: 'HIST-GET', ...window() });
    expect(w.events.map((e) => [e.providerRef, e.side, e.amount])).toEqual([
      ['T-GET-2', 'debit', 500n],
      ['T-GET-1', 'credit', 2500n],
    ]);
  });

  it('the default POST profile against that GET-only route: 405 from the route, a permanent failure', async () => {
    const error = await fetchHistory(world.factory.get('netzme'), {
      accountNo: 'HIST-GET',
      ...window(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentSnapError);
    expect((error as PermanentSnapError).details.httpStatus).toBe(405);
    expect((error as Error).message).toContain('Method Not Allowed [POST ');
  });

  it('a POST route refuses a GET client the same way (the simulator default)', async () => {
    const postWorld = await World.create();
    try {
      postWorld.sim.putAccounts([
        { provider: 'netzme', accountNo: 'HIST-POST', history: { events: [] } },
      ]);
      const getClient = postWorld
        .newFactory({}, postWorld.redis, { netzme: { history: { method: 'GET' } } })
        .get('netzme');
      const error = await fetchHistory(getClient, {
        accountNo: 'HIST-POST',
        ...window(),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermanentSnapError);
      expect((error as Error).message).toContain('Method Not Allowed [GET ');
      const ok = await fetchHistory(postWorld.factory.get('netzme'), {
        accountNo: 'HIST-POST',
        ...window(),
      });
      expect(ok.events).toEqual([]);
    } finally {
      await postWorld.close();
    }
  });
});

describe('SnapHttp.send: a GET carries its JSON body byte for byte', () => {
  let server: Server;
  let baseUrl: string;
  const seen: { method?: string; length?: string; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          method: req.method,
          length: req.headers['content-length'],
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.setHeader('Content-Type', 'application/json');
        res.end('{"responseCode":"2001200"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sends method, Content-Length and the exact bytes', async () => {
    const http = new SnapHttp({ connectMs: 2_000, readMs: 5_000 });
    try {
      const body = '{"partnerReferenceNo":"1","additionalInfo":{"seqId":0}}';
      const got = await http.send(
        'GET',
        `${baseUrl}/api/v1.0/transaction/history-list`,
        { 'Content-Type': 'application/json' },
        body,
      );
      expect(got).toEqual({ status: 200, body: '{"responseCode":"2001200"}' });
      await http.post(`${baseUrl}/x`, { 'Content-Type': 'application/json' }, body);
      expect(seen).toEqual([
        { method: 'GET', length: String(Buffer.byteLength(body)), body },
        { method: 'POST', length: String(Buffer.byteLength(body)), body },
      ]);
    } finally {
      await http.close();
    }
  });
});
