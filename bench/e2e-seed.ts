import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { formatAmount, ProviderName } from '@app/snap';
import { demoCredentials, demoPartners } from '../apps/cli/src/demo/demo-wiring';
import { generatePartnerKeys } from '../apps/cli/src/demo/partner-keys';

/** What the benchmark's accounts look like once seeded. */
export interface SeededAccounts {
  count: number;
  byProvider: Record<ProviderName, number>;
  /** Accounts whose provider balance differs from the ledger (expected `mismatched`). */
  mismatches: number;
  ledgerEntries: number;
  /** One per account: provider default sets for Netzme and NICEPay, one per Finnet merchant. */
  credentialSets: number;
  /** Account ids with their provider, in id order (job ids are derived from them). */
  accounts: { id: string; provider: ProviderName }[];
  simulatorAccounts: object[];
  finnetClientIds: string[];
  /**
   * Warm-up accounts (none broken), seeded after the measured ones: ids from `warmupFromId`.
   * Their Netzme and NICEPay accounts use the credential set {@link WARMUP_CREDENTIAL_SET}, so
   * the measured run still asks a token for each set it uses, as an hourly run would.
   */
  warmupCount: number;
  warmupFromId: string | null;
}

/** The Netzme and NICEPay credential set of the warm-up accounts (same partner, own tokens). */
export const WARMUP_CREDENTIAL_SET = 'bench-warmup';

/**
 * Seeds `count` merchants with one account each, cycling Netzme, NICEPay, Finnet (Finnet knows
 * each merchant by its own client id, so each Finnet account has its own credential set, as in
 * the demo), each with a ledger history of 5 to 20 entries, the newest an hour old (outside the
 * in-flight window). Plain SQL (`generate_series`, running balances by window function), so
 * 100,000 accounts take seconds. Every `1/mismatchShare`-th account gets a provider balance off
 * by a few rupiah: a real break. `warmup` more accounts follow for a warm-up run (never broken).
 */
export async function seedAccounts(
  ds: DataSource,
  count: number,
  mismatchShare: number,
  withHistory = false,
  warmup = 0,
): Promise<SeededAccounts> {
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    // The rows are consistent by construction: skip per-row foreign-key triggers.
    await qr.query(`SET session_replication_role = replica`);
    await qr.query(
      `INSERT INTO merchants (id, name)
       SELECT format('M%s', lpad(i::text, 8, '0')), format('Bench merchant %s', i) FROM generate_series(1, $1::int) i`,
      [count + warmup],
    );
    await qr.query(
      `INSERT INTO provider_accounts (merchant_id, provider, account_no, credential_set)
       SELECT format('M%s', lpad(i::text, 8, '0')), p.provider, p.prefix || lpad(i::text, 8, '0'),
              CASE WHEN p.provider = 'finnet' THEN p.prefix || lpad(i::text, 8, '0')
                   WHEN i > $2::int THEN $3 END
         FROM generate_series(1, $1::int) i
         CROSS JOIN LATERAL (SELECT (ARRAY['netzme', 'nicepay', 'finnet'])[(i - 1) % 3 + 1] AS provider,
                                    (ARRAY['NZ', 'NP', 'FNT'])[(i - 1) % 3 + 1] AS prefix) p
        ORDER BY i`,
      [count + warmup, count, WARMUP_CREDENTIAL_SET],
    );
    await qr.query(
      `INSERT INTO ledger_entries (account_id, entry_ref, amount, posted_at, balance_after)
       SELECT id, ref, amount, posted_at, sum(amount) OVER (PARTITION BY id ORDER BY k)
         FROM (
           SELECT a.id, k, a.account_no || '-' || k AS ref,
                  CASE WHEN k = 1 THEN 5000000 + (a.id * 7919) % 100000000
                       ELSE -((a.id * 31 + k * 17) % 500000) END AS amount,
                  now() - (h.n - k + 1) * interval '1 hour' AS posted_at
             FROM provider_accounts a
             CROSS JOIN LATERAL (SELECT 5 + (a.id % 16)::int AS n) h
             CROSS JOIN LATERAL generate_series(1, h.n) k
         ) e
        ORDER BY id, k`,
    );
    await qr.query(`RESET session_replication_role`);
    await qr.query(`VACUUM (ANALYZE) ledger_entries`);
    await qr.query(`ANALYZE provider_accounts`);
    await qr.query(`ANALYZE merchants`);
  } finally {
    await qr.release();
  }
  const rows: {
    id: string;
    provider: ProviderName;
    account_no: string;
    balance: string;
    entries: number;
  }[] = await ds.query(
    `SELECT a.id, a.provider, a.account_no, l.balance_after AS balance, (5 + a.id % 16)::int AS entries
         FROM provider_accounts a
         CROSS JOIN LATERAL (SELECT balance_after FROM ledger_entries
                              WHERE account_id = a.id ORDER BY posted_at DESC, id DESC LIMIT 1) l
        ORDER BY a.id`,
  );
  const every = mismatchShare > 0 ? Math.max(1, Math.round(1 / mismatchShare)) : 0;
  const broken = (i: number) => i < count && every > 0 && i % every === every - 1;
  const measured = rows.slice(0, count);
  const histories = withHistory
    ? await ledgerHistories(
        ds,
        rows.filter((r, i) => r.provider === 'netzme' && broken(i)).map((r) => r.id),
      )
    : new Map<string, object[]>();
  let mismatches = 0;
  const byProvider: Record<ProviderName, number> = { netzme: 0, nicepay: 0, finnet: 0 };
  for (const r of measured) byProvider[r.provider]++;
  const simulatorAccounts = rows.map((r, i) => {
    let balance = BigInt(r.balance);
    const events = histories.get(String(r.id));
    if (broken(i)) {
      const missing = BigInt(100 + (i % 900));
      balance += missing;
      mismatches++;
      if (events) {
        // The provider's history: every ledger movement, plus the credit the ledger lacks.
        return {
          provider: r.provider,
          accountNo: r.account_no,
          status: 'ACTIVE',
          history: {
            opening: '0.00',
            events: [
              ...events,
              { amount: formatAmount(missing), side: 'cr', type: 'payment_bill', agoSeconds: 1800 },
            ],
          },
        };
      }
    }
    return {
      provider: r.provider,
      accountNo: r.account_no,
      balance: formatAmount(balance),
      ...(r.provider === 'netzme' ? { status: 'ACTIVE' } : {}),
    };
  });
  return {
    count: measured.length,
    byProvider,
    mismatches,
    ledgerEntries: measured.reduce((n, r) => n + r.entries, 0),
    credentialSets: (byProvider.netzme ? 1 : 0) + (byProvider.nicepay ? 1 : 0) + byProvider.finnet,
    accounts: measured.map((r) => ({ id: String(r.id), provider: r.provider })),
    simulatorAccounts,
    finnetClientIds: rows.filter((r) => r.provider === 'finnet').map((r) => r.account_no),
    warmupCount: rows.length - measured.length,
    warmupFromId: rows.length > count ? String(rows[count].id) : null,
  };
}

/** The ledger entries of the accounts as the provider's history would list them (issue 15). */
async function ledgerHistories(ds: DataSource, ids: string[]): Promise<Map<string, object[]>> {
  const out = new Map<string, object[]>();
  if (ids.length === 0) return out;
  const rows: { account_id: string; entry_ref: string; amount: string; ago: number }[] =
    await ds.query(
      `SELECT account_id, entry_ref, amount, floor(extract(epoch FROM now() - posted_at))::int AS ago
         FROM ledger_entries WHERE account_id = ANY($1::bigint[]) ORDER BY account_id, posted_at, id`,
      [ids],
    );
  for (const r of rows) {
    const amount = BigInt(r.amount);
    const list = out.get(String(r.account_id)) ?? [];
    list.push({
      amount: formatAmount(amount < 0n ? -amount : amount),
      side: amount < 0n ? 'db' : 'cr',
      type: amount < 0n ? 'withdrawal' : 'payment_bill',
      trxId: r.entry_ref,
      agoSeconds: Math.max(0, r.ago),
    });
    out.set(String(r.account_id), list);
  }
  return out;
}

/** The simulator's seed file and the worker's credentials, with fresh keys (the demo's wiring). */
export function writeProviderFiles(
  workDir: string,
  simulatorUrl: string,
  seeded: SeededAccounts,
  tag: string,
  latency: { latencyMs: number; latencyP99Ms: number | null; timeoutShare: number },
): {
  seedFile: string;
  credentialsFile: string;
  finnetKeyFile: string;
  env: Record<string, string>;
} {
  const keys = generatePartnerKeys();
  const suffix = tag ? `-${tag}` : '';
  const seedFile = join(workDir, `simulator-seed${suffix}.json`);
  writeFileSync(
    seedFile,
    JSON.stringify({
      settings: { ...latency, readTimeoutHoldMs: 5000 },
      partners: demoPartners(keys, seeded.finnetClientIds),
      accounts: seeded.simulatorAccounts,
    }),
  );
  const creds = demoCredentials(simulatorUrl, keys, seeded.finnetClientIds);
  // Every Finnet set names one key file instead of carrying the PEM: a file of 33,000 inline
  // keys would be tens of megabytes for each worker to parse.
  const keyFile = join(workDir, `finnet-key${suffix}.pem`);
  writeFileSync(keyFile, keys.finnet.privateKeyPem, { mode: 0o600 });
  const finnet = Object.fromEntries(
    Object.entries(creds.file.finnet).map(([name, set]) => {
      const { privateKey: _inline, ...rest } = set;
      return [name, { ...rest, privateKeyFile: keyFile }];
    }),
  );
  // The warm-up accounts' own Netzme and NICEPay sets: the same partners under another name.
  const warmupSets = (provider: 'netzme' | 'nicepay') => ({
    [WARMUP_CREDENTIAL_SET]: {
      baseUrl: simulatorUrl,
      clientId: creds.env[`SNAP_${provider.toUpperCase()}_CLIENT_ID`],
      clientSecret: keys[provider].clientSecret,
      privateKey: keys[provider].privateKeyPem,
      channelId: creds.env[`SNAP_${provider.toUpperCase()}_CHANNEL_ID`],
    },
  });
  const credentialsFile = join(workDir, `credentials${suffix}.json`);
  writeFileSync(
    credentialsFile,
    JSON.stringify(
      seeded.warmupCount > 0
        ? { finnet, netzme: warmupSets('netzme'), nicepay: warmupSets('nicepay') }
        : { finnet },
    ),
  );
  chmodSync(credentialsFile, 0o600);
  return {
    seedFile,
    credentialsFile,
    finnetKeyFile: keyFile,
    env: { ...creds.env, SNAP_CREDENTIALS_FILE: credentialsFile },
  };
}
