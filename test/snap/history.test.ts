import { fetchHistory, RequestRateLimiter } from '@app/snap';
import { rawCall, tokenFor } from './support/raw';
import { World } from './support/world';

/**
 * Issue 15: Netzme's history-list (PROTOCOL.md §3) served by the simulator from the same
 * scenario that sets the balance, read by the client's fetchHistory over HTTP.
 */
describe('transaction history: simulator history-list and client fetchHistory over HTTP', () => {
  let world: World;
  const from = () => new Date(Date.now() - 3_600_000);
  const to = () => new Date(Date.now() + 60_000);

  beforeAll(async () => {
    world = await World.create();
    world.sim.putAccounts([
      {
        provider: 'netzme',
        accountNo: 'HIST-1',
        history: {
          opening: '1000.00',
          events: [
            { amount: '150.00', side: 'cr', trxId: 'T-A' },
            { amount: '2.50', side: 'db', type: 'fee', trxId: 'T-FEE' },
            { amount: '40.00', side: 'cr', trxId: 'T-DUP', duplicate: true },
            { amount: '30.00', side: 'db', trxId: 'T-REV', reversed: true },
            { amount: '9.00', side: 'cr', status: 'failed', trxId: 'T-FAIL' },
          ],
        },
      },
      {
        provider: 'netzme',
        accountNo: 'HIST-MANY',
        history: {
          events: Array.from({ length: 25 }, (_, i) => ({
            amount: '1.00',
            side: 'cr' as const,
            agoSeconds: 1000 - i * 10,
          })),
        },
      },
      {
        provider: 'netzme',
        accountNo: 'HIST-INCL',
        historyCursorInclusive: true,
        history: {
          events: Array.from({ length: 25 }, (_, i) => ({
            amount: '1.00',
            side: 'cr' as const,
            agoSeconds: 1000 - i * 10,
          })),
        },
      },
    ]);
  });
  afterAll(() => world.close());

  it('the balance is what the scenario leads to: opening + settled events, a duplicate counted once', async () => {
    const b = await world.factory
      .get('netzme')
      .balanceInquiry({ accountNo: 'HIST-1', currency: 'IDR' });
    // 1000 + 150 - 2.50 + 40 - 30 + 30 (reversal); the failed event moves nothing.
    expect(b.availableBalance).toBe(118_750n);
  });

  it('reads every event with side, trxId, running balance and the duplicate flag', async () => {
    const w = await fetchHistory(world.factory.get('netzme'), {
      accountNo: 'HIST-1',
      currency: 'IDR',
      from: from(),
      to: to(),
    });
    expect(w.pages).toBe(1);
    expect(w.capHit).toBe(false);
    // Newest first as served.
    expect(w.events.map((e) => [e.providerRef, e.side, e.amount, e.duplicate, e.settled])).toEqual([
      ['T-FAIL', 'credit', 900n, false, false],
      ['T-REV-REV', 'credit', 3000n, false, true],
      ['T-REV', 'debit', 3000n, false, true],
      ['T-DUP', 'credit', 4000n, true, true],
      ['T-DUP', 'credit', 4000n, false, true],
      ['T-FEE', 'debit', 250n, false, true],
      ['T-A', 'credit', 15000n, false, true],
    ]);
    expect(w.events.map((e) => e.runningBalance)).toEqual([
      118_750n,
      118_750n,
      115_750n,
      118_750n,
      118_750n,
      114_750n,
      115_000n,
    ]);
    expect(w.events.find((e) => e.providerRef === 'T-FEE')!.type).toBe('fee');
    expect(w.events[1].type).toBe('reversal');
  });

  it('follows the seqId cursor across pages, newest first, and stops at the page cap', async () => {
    const client = world.factory.get('netzme');
    const all = await fetchHistory(client, {
      accountNo: 'HIST-MANY',
      currency: 'IDR',
      from: from(),
      to: to(),
      pageSize: 10,
    });
    expect(all.pages).toBe(3);
    expect(all.capHit).toBe(false);
    expect(all.events).toHaveLength(25);
    expect(all.events.map((e) => Number(e.cursor))).toEqual(
      Array.from({ length: 25 }, (_, i) => 25 - i),
    );
    const capped = await fetchHistory(client, {
      accountNo: 'HIST-MANY',
      currency: 'IDR',
      from: from(),
      to: to(),
      pageSize: 10,
      maxPages: 2,
    });
    expect(capped).toMatchObject({ pages: 2, capHit: true });
    expect(capped.events).toHaveLength(20);
  });

  it('an inclusive seqId cursor (the boundary event sent again on the next page) counts each event once (found by a money-logic review)', async () => {
    const w = await fetchHistory(world.factory.get('netzme'), {
      accountNo: 'HIST-INCL',
      currency: 'IDR',
      from: from(),
      to: to(),
      pageSize: 10,
    });
    expect(w.pages).toBe(3);
    expect(w.events.map((e) => Number(e.cursor))).toEqual(
      Array.from({ length: 25 }, (_, i) => 25 - i),
    );
  });

  it('stops paging once a page reaches before the window start', async () => {
    const w = await fetchHistory(world.factory.get('netzme'), {
      accountNo: 'HIST-MANY',
      currency: 'IDR',
      // Only the newest 5 events (each 10 s apart, newest 760 s ago) are inside.
      from: new Date(Date.now() - 805_000),
      to: to(),
      pageSize: 10,
    });
    expect(w.pages).toBe(1);
    expect(w.events).toHaveLength(5);
  });

  it('every page is one request through the rate limiter', async () => {
    let acquired = 0;
    const limiter: RequestRateLimiter = {
      acquire: async () => {
        acquired += 1;
      },
    } as unknown as RequestRateLimiter;
    const client = world.newFactory({ rateLimiter: limiter }).get('netzme');
    await client.tokens.get();
    acquired = 0;
    await fetchHistory(client, {
      accountNo: 'HIST-MANY',
      currency: 'IDR',
      from: from(),
      to: to(),
      pageSize: 10,
    });
    expect(acquired).toBe(3);
  });

  it('the simulator answers the page shape: detailData with details as a JSON string, 2001200', async () => {
    const paths = world.sim.paths.netzme;
    const token = await tokenFor(world.baseUrl, paths, world.partners.netzme);
    const { json, status } = await rawCall(world.baseUrl, paths, world.partners.netzme, token, {
      endpoint: 'history',
      body: {
        partnerReferenceNo: '1',
        pageSize: 1,
        additionalInfo: { seqId: 0, custId: 'HIST-1', type: 'aggregator_transaction_history' },
      },
    });
    expect(status).toBe(200);
    expect(json.responseCode).toBe('2001200');
    const [e] = json.detailData as {
      dateTime: string;
      additionalInfo: { details: string; seq: unknown };
    }[];
    expect(e.dateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$/);
    expect(typeof e.additionalInfo.details).toBe('string');
    expect(JSON.parse(e.additionalInfo.details)).toMatchObject({
      side: 'cr',
      trxId: 'T-FAIL',
      balance: 'IDR 1187.50',
    });
    expect(typeof e.additionalInfo.seq).toBe('number');
  });
});
