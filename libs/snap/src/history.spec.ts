import { historyRequestBody, parseHistoryEvent, parseRunningBalance } from './history';
import { DEFAULT_PROFILES } from './providers/index';
import { resolveProfile } from './profiles';

const netzme = DEFAULT_PROFILES.netzme.history!;

/** A `detailData[]` entry in the shape PROTOCOL.md §3 gives for Netzme's history-list. */
function netzmeEvent(
  over: { side?: string; details?: Record<string, unknown>; [k: string]: unknown } = {},
) {
  const { side = 'cr', details = {}, ...rest } = over;
  return {
    amount: { value: '10000.00', currency: 'IDR' },
    dateTime: '2022-11-09T15:43:57+07:00',
    type: 'payment_bill',
    status: 'success',
    additionalInfo: {
      seq: 4711,
      msgId: 'msg-1',
      duplicateEvent: false,
      details: JSON.stringify({
        side,
        trxId: 'TRX-1',
        billId: 'BILL-1',
        description: 'QRIS payment',
        balance: 'IDR 1343486.00',
        ...details,
      }),
    },
    ...rest,
  };
}

describe('Netzme history event mapping (PROTOCOL.md §3)', () => {
  it('reads amount, time, side, trxId, running balance, duplicate flag and seq cursor', () => {
    const e = parseHistoryEvent(netzme, netzmeEvent(), 'IDR', 0);
    expect(e).toMatchObject({
      providerRef: 'TRX-1',
      side: 'credit',
      amount: 1000000n,
      signedAmount: 1000000n,
      type: 'payment_bill',
      status: 'success',
      settled: true,
      runningBalance: 134348600n,
      duplicate: false,
      cursor: '4711',
      description: 'QRIS payment',
    });
    expect(e.time.toISOString()).toBe('2022-11-09T08:43:57.000Z');
  });

  it('a db side is a debit (negative signed amount); duplicateEvent true is kept as a flag', () => {
    const raw = netzmeEvent({ side: 'db' });
    raw.additionalInfo.duplicateEvent = true;
    const e = parseHistoryEvent(netzme, raw, 'IDR', 0);
    expect(e.side).toBe('debit');
    expect(e.signedAmount).toBe(-1000000n);
    expect(e.duplicate).toBe(true);
  });

  it('a status other than success does not count as moving the balance', () => {
    expect(parseHistoryEvent(netzme, netzmeEvent({ status: 'failed' }), 'IDR', 0).settled).toBe(
      false,
    );
  });

  it('names the field and value of a bad side, amount, time, currency or details string', () => {
    expect(() => parseHistoryEvent(netzme, netzmeEvent({ side: 'xx' }), 'IDR', 2)).toThrow(
      /detailData\[2\]\.additionalInfo\.details\.side: "xx" is neither cr nor db/,
    );
    expect(() =>
      parseHistoryEvent(
        netzme,
        netzmeEvent({ amount: { value: '10000.5', currency: 'IDR' } }),
        'IDR',
        0,
      ),
    ).toThrow(/detailData\[0\]\.amount\.value/);
    expect(() =>
      parseHistoryEvent(netzme, netzmeEvent({ dateTime: '2022-11-09 15:43' }), 'IDR', 0),
    ).toThrow(/detailData\[0\]\.dateTime: "2022-11-09 15:43" is not a time/);
    expect(() => parseHistoryEvent(netzme, netzmeEvent(), 'USD', 0)).toThrow(
      /amount\.currency: "IDR" is not the account's "USD"/,
    );
    const raw = netzmeEvent();
    raw.additionalInfo.details = '{not json';
    expect(() => parseHistoryEvent(netzme, raw, 'IDR', 0)).toThrow(
      /additionalInfo\.details: .* is not JSON/,
    );
  });
});

describe('running balance text', () => {
  it('reads "IDR 1343486.00" exactly, a bare amount, and an amount object', () => {
    expect(parseRunningBalance('IDR 1343486.00', 'IDR', 'b')).toBe(134348600n);
    expect(parseRunningBalance('-5.01', 'IDR', 'b')).toBe(-501n);
    expect(parseRunningBalance({ value: '7.00', currency: 'IDR' }, 'IDR', 'b')).toBe(700n);
  });
  it('rejects another currency and a float-like text, naming the field', () => {
    expect(() => parseRunningBalance('USD 1.00', 'IDR', 'x.balance')).toThrow(
      /x\.balance: currency "USD"/,
    );
    expect(() => parseRunningBalance('IDR 1343486.5', 'IDR', 'x.balance')).toThrow(
      /x\.balance: "IDR 1343486.5" is not a balance/,
    );
  });
});

describe('history request bodies', () => {
  const from = new Date('2026-12-01T00:00:00Z');
  const to = new Date('2026-12-01T12:00:00Z');
  it('Netzme: partnerReferenceNo, pageSize, additionalInfo.{seqId, custId, type}', () => {
    expect(
      historyRequestBody(netzme, {
        reference: 'R1',
        accountNo: 'CUST-9',
        pageSize: 50,
        cursor: '0',
        from,
        to,
      }),
    ).toEqual({
      partnerReferenceNo: 'R1',
      pageSize: 50,
      additionalInfo: { seqId: 0, custId: 'CUST-9', type: 'aggregator_transaction_history' },
    });
  });
  it('Finnet (off unless configured): fromDateTime, toDateTime, pageSize, pageNumber', () => {
    expect(DEFAULT_PROFILES.finnet.capabilities.history).toBe(false);
    const on = resolveProfile('finnet', { capabilities: { history: true } });
    expect(
      historyRequestBody(on.history!, {
        reference: 'R2',
        accountNo: '',
        pageSize: 20,
        pageNumber: 3,
        from,
        to,
      }),
    ).toEqual({
      partnerReferenceNo: 'R2',
      fromDateTime: '2026-12-01T07:00:00+07:00',
      toDateTime: '2026-12-01T19:00:00+07:00',
      pageSize: 20,
      pageNumber: 3,
    });
  });
  it('NICEPay and Midtrans have none; turning the capability on without one is refused', () => {
    expect(DEFAULT_PROFILES.nicepay.history).toBeNull();
    expect(DEFAULT_PROFILES.midtrans.history).toBeNull();
    expect(() => resolveProfile('nicepay', { capabilities: { history: true } })).toThrow(
      /capabilities.history needs history/,
    );
  });
});
