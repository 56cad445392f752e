import { existsSync, mkdirSync } from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import { Browser, BrowserContext, chromium } from 'playwright-core';
import { DEV_BASIC_AUTH_PASSWORD } from '@app/config';
import { finalizeRun, RESULT_STATUSES } from '@app/reconciliation';
import { formatAmount } from '@app/snap';
import { rupiahText } from '../../apps/producer/src/reports/ui/display';
import { formatInZone } from '../../apps/producer/src/reports/zoned-day';
import { LOW_CONTRAST_TEXT } from './contrast';
import { startPipeline, Pipeline } from '../support/pipeline';
import { deleteRedisKeys } from '../support/redis-cleanup';
import { testConfig } from '../support/test-config';
import { BASIC_AUTH, startProducerHttp } from './http';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const EVIL_NAME = `<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">Toko "Jahat" & Co`;

/**
 * The report page in a real browser (headless Chromium through playwright-core): basic-auth
 * prompt answered with credentials, the latest run's figures checked against the database, a
 * merchant name carrying markup shown as text and never run, the chart drawn, and a click
 * through to an account's history. Screenshots go to test-output/.
 */
describe('report page in a browser', () => {
  const config = testConfig({
    JOB_ATTEMPTS: '3',
    JOB_BACKOFF_MS: '100',
    RECON_RECHECK_DELAY_MS: '500',
    SNAP_READ_TIMEOUT_MS: '1500',
    WORKER_CONCURRENCY: '25',
    RATE_LIMIT_PAUSE_MS: '200',
  });
  const tz = config.SCHEDULE_TIMEZONE;
  let pipeline: Pipeline;
  let app: INestApplication;
  let url: string;
  let runId: string;
  let browser: Browser;
  let context: BrowserContext;

  const db = () => pipeline.db.dataSource;

  beforeAll(async () => {
    expect(existsSync(CHROMIUM)).toBe(true);
    pipeline = await startPipeline(config, { accountCount: 60 });
    // Earlier runs on most of the past two weeks, so the chart has days to show.
    for (const daysAgo of [13, 12, 11, 9, 8, 7, 6, 4, 3, 2, 1]) {
      const [{ id }]: { id: string }[] = await db().query(
        `INSERT INTO reconciliation_runs (trigger, status, started_at, account_ids, account_count, completed_count)
         SELECT 'schedule', 'running', now() - make_interval(days => $1::int), array_agg(id ORDER BY id), count(*), count(*)
           FROM provider_accounts RETURNING id`,
        [daysAgo],
      );
      await db().query(
        `INSERT INTO reconciliation_results (run_id, account_id, status, is_final, provider_balance, ledger_balance,
                difference, currency, response_code, attempts, provider_time, as_of, checked_at)
         SELECT $1, a.id, CASE WHEN (a.id + $2) % 6 = 0 THEN 'mismatched' ELSE 'matched' END, true, 100000000 + d.diff, 100000000,
                d.diff, 'IDR', '2001100', 1, now() - make_interval(days => $2::int), now() - make_interval(days => $2::int), now() - make_interval(days => $2::int)
           FROM provider_accounts a
           CROSS JOIN LATERAL (SELECT CASE WHEN (a.id + $2) % 6 = 0 THEN ((a.id * 7919 + $2 * 104729) % 4000001 - 2000000) ELSE 0 END AS diff) d`,
        [id, daysAgo],
      );
      await finalizeRun(db(), String(id), 0n);
      await db().query(
        `UPDATE reconciliation_runs SET finished_at = started_at + interval '95 seconds' WHERE id = $1`,
        [id],
      );
    }
    ({ app, url } = await startProducerHttp(config));
    const started = await fetch(`${url}/runs`, {
      method: 'POST',
      headers: { ...BASIC_AUTH, 'content-type': 'application/json' },
      body: '{}',
    });
    runId = ((await started.json()) as { runId: string }).runId;
    await pipeline.waitForRun(runId, 90_000);
    // A merchant whose name carries markup, with a mismatch in the latest run.
    const stuck = pipeline.scenario.find((a) => a.kind === 'in-flight-stuck')!;
    await db().query(`UPDATE merchants SET name = $2 WHERE id = $1`, [stuck.merchantId, EVIL_NAME]);
    // A fresh temporary profile per launch (playwright's default), removed when the browser closes.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    context = await browser.newContext({
      httpCredentials: { username: 'admin', password: DEV_BASIC_AUTH_PASSWORD },
      viewport: { width: 1360, height: 900 },
    });
    mkdirSync('test-output', { recursive: true });
  }, 150_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await app?.close();
    await pipeline?.close();
    await deleteRedisKeys(config.REDIS_URL, config.QUEUE_PREFIX);
  });

  it('asks for credentials: without them the browser gets a 401 with a basic-auth challenge and no page', async () => {
    for (const credentials of [undefined, { username: 'admin', password: 'wrong' }]) {
      const visitor = await browser.newContext({ httpCredentials: credentials });
      try {
        const page = await visitor.newPage();
        const [response, navigation] = await Promise.all([
          page.waitForResponse(`${url}/`),
          page.goto(`${url}/`).catch((e: Error) => e),
        ]);
        expect(response.status()).toBe(401);
        expect(response.headers()['www-authenticate']).toBe('Basic realm="snap-recon"');
        // Headless Chromium cannot show the prompt: without credentials it gives up on the
        // navigation; with wrong ones it shows the 401 answer. Either way, no report.
        if (navigation instanceof Error)
          expect(String(navigation)).toContain('ERR_INVALID_AUTH_CREDENTIALS');
        else expect(navigation?.status()).toBe(401);
        expect(await page.getByTestId('run-id').count()).toBe(0);
      } finally {
        await visitor.close();
      }
    }
  });

  it('shows the latest run’s counts and mismatches as the database has them, escaped, and a chart', async () => {
    const page = await context.newPage();
    const response = await page.goto(`${url}/`);
    expect(response?.status()).toBe(200);
    expect(await page.getByTestId('run-id').innerText()).toBe(`#${runId}`);

    const counts: { status: string; n: string }[] = await db().query(
      `SELECT status, count(*) AS n FROM reconciliation_results WHERE run_id = $1 GROUP BY status`,
      [runId],
    );
    for (const status of RESULT_STATUSES) {
      const expected = counts.find((c) => c.status === status)?.n ?? '0';
      expect({ status, shown: await page.getByTestId(`count-${status}`).innerText() }).toEqual({
        status,
        shown: expected,
      });
    }
    const [{ total }]: { total: string }[] = await db().query(
      `SELECT coalesce(sum(abs(difference)), 0) AS total FROM reconciliation_results
        WHERE run_id = $1 AND (status = 'mismatched' OR (status = 'inactive' AND difference IS NOT NULL))`,
      [runId],
    );
    // Amounts as an Indonesian finance team reads them: Rp, dots between thousands, a decimal comma.
    const shownTotal = await page.getByTestId('total-difference').innerText();
    expect(shownTotal).toMatch(/^Rp\u00a0\d{1,3}(\.\d{3})*,\d{2}$/);
    expect(shownTotal).toBe(rupiahText(formatAmount(BigInt(total))));
    expect(shownTotal.replace(/[^\d,]/g, '').replace(',', '.')).toBe(formatAmount(BigInt(total)));

    // The first row needing attention is the largest |difference|, shown as the database has it.
    const [largest]: { account_no: string; difference: string }[] = await db().query(
      `SELECT a.account_no, r.difference FROM reconciliation_results r JOIN provider_accounts a ON a.id = r.account_id
        WHERE r.run_id = $1 AND r.status <> 'matched' ORDER BY abs(r.difference) DESC NULLS LAST, a.merchant_id LIMIT 1`,
      [runId],
    );
    const firstRow = page.getByTestId('attention-row').first();
    expect(await firstRow.getAttribute('data-account')).toMatch(
      new RegExp(`/${largest.account_no}$`),
    );
    expect(await firstRow.locator('td').nth(6).innerText()).toBe(
      rupiahText(formatAmount(BigInt(largest.difference))),
    );
    const [{ n: attention }]: { n: string }[] = await db().query(
      `SELECT count(*) AS n FROM reconciliation_results WHERE run_id = $1 AND status <> 'matched'`,
      [runId],
    );
    expect(await page.getByTestId('attention-row').count()).toBe(Number(attention));

    // The merchant name with markup is text: nothing ran, no element was injected.
    const stuck = pipeline.scenario.find((a) => a.kind === 'in-flight-stuck')!;
    const evilRow = page.locator(`[data-account="${stuck.provider}/${stuck.accountNo}"]`);
    expect(await evilRow.locator('td').first().innerText()).toContain(EVIL_NAME);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('script, img').count()).toBe(0);

    // The chart: one bar per day of the last 30, today's tooltip with today's figures.
    const bars = page.locator('svg.chart rect.bar title');
    expect(await bars.count()).toBe(30);
    const today = formatInZone(new Date(), tz).slice(0, 10);
    const [{ mismatches }]: { mismatches: string }[] = await db().query(
      `SELECT count(DISTINCT r.account_id) AS mismatches FROM reconciliation_results r JOIN reconciliation_runs ru ON ru.id = r.run_id
        WHERE (r.status = 'mismatched' OR (r.status = 'inactive' AND r.difference IS NOT NULL))
          AND (ru.started_at AT TIME ZONE $1)::date = $2::date`,
      [tz, today],
    );
    expect((await bars.last().textContent())?.trim()).toMatch(
      new RegExp(
        `^${today}: ${mismatches} accounts with a break, total \\|difference\\| Rp\u00a0[\\d.]+,\\d{2}$`,
      ),
    );
    expect(await page.locator('[data-testid=run-row]').count()).toBe(12);

    await page.screenshot({ path: 'test-output/report-page.png', fullPage: true });
    await page.close();
  });

  it('clicks through from a mismatch to the account’s history with the ledger entries in flight', async () => {
    const page = await context.newPage();
    await page.goto(`${url}/`);
    const stuck = pipeline.scenario.find((a) => a.kind === 'in-flight-stuck')!;
    await page.locator(`[data-account="${stuck.provider}/${stuck.accountNo}"] a`).first().click();
    await page.waitForURL(`${url}/ui/accounts/${stuck.provider}/${stuck.accountNo}`);
    expect(await page.locator('h1').innerText()).toContain(EVIL_NAME);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();

    const results = page.getByTestId('history-result');
    const [{ n }]: { n: string }[] = await db().query(
      `SELECT count(*) AS n FROM reconciliation_results r JOIN provider_accounts a ON a.id = r.account_id
        WHERE a.provider = $1 AND a.account_no = $2`,
      [stuck.provider, stuck.accountNo],
    );
    expect(await results.count()).toBe(Number(n));
    const latest = results.first();
    expect(await latest.getAttribute('data-run')).toBe(runId);
    expect(await latest.getByTestId('history-difference').innerText()).toBe(
      rupiahText(formatAmount(stuck.expected.difference!)),
    );
    const inflight = stuck.ledger.find((e) => e.entryRef.endsWith('-inflight'))!;
    expect(await latest.locator('table.entries tbody tr').count()).toBe(1);
    expect(await latest.locator('table.entries tbody td').first().innerText()).toBe(
      inflight.entryRef,
    );
    expect(await latest.locator('table.entries tbody td').nth(2).innerText()).toBe(
      rupiahText(formatAmount(inflight.amount)),
    );

    await page.screenshot({ path: 'test-output/account-page.png', fullPage: true });
    // And back to the overview through the navigation.
    await page.locator('header a.brand').click();
    await page.waitForURL(`${url}/`);
    await page.close();
  });

  it('labels every time with its zone (WIB), while the JSON and CSV keep plain amounts', async () => {
    const page = await context.newPage();
    for (const path of [
      '/',
      `/ui/accounts/${pipeline.scenario[0].provider}/${pipeline.scenario[0].accountNo}`,
      '/ui/discrepancies',
    ]) {
      await page.goto(url + path);
      const times = await page.locator('td.when').allInnerTexts();
      expect({ path, some: times.length > 0 }).toEqual({ path, some: true });
      for (const t of times)
        expect({ path, t }).toEqual({
          path,
          t: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} WIB$/),
        });
    }
    await page.goto(`${url}/`);
    expect(await page.locator('p.meta').first().innerText()).toMatch(
      /started \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} WIB/,
    );
    // The discrepancy page no longer prints bare UTC: its times are Jakarta's, labelled.
    const [d]: { opened_at: Date }[] = await db().query(
      `SELECT opened_at FROM discrepancies ORDER BY last_seen_at DESC, id DESC LIMIT 1`,
    );
    await page.goto(`${url}/ui/discrepancies`);
    expect(await page.locator('tbody tr td.when').first().innerText()).toBe(
      `${formatInZone(d.opened_at, tz)} WIB`,
    );
    const run = (await (await fetch(`${url}/runs/${runId}`, { headers: BASIC_AUTH })).json()) as {
      totalAbsDifference: string;
    };
    expect(run.totalAbsDifference).toMatch(/^\d+\.\d{2}$/);
    const csv = await (
      await fetch(`${url}/runs/${runId}/results.csv`, { headers: BASIC_AUTH })
    ).text();
    expect(csv).not.toContain('Rp');
    await page.close();
  });

  it('meets WCAG AA contrast for every visible text on the overview, an account and the discrepancies', async () => {
    const page = await context.newPage();
    const stuck = pipeline.scenario.find((a) => a.kind === 'in-flight-stuck')!;
    for (const path of [
      '/',
      `/ui/accounts/${stuck.provider}/${stuck.accountNo}`,
      '/ui/discrepancies',
    ]) {
      await page.goto(url + path);
      expect({ path, failures: await page.evaluate(LOW_CONTRAST_TEXT) }).toEqual({
        path,
        failures: [],
      });
    }
    // The check can fail: the old timing colour (#b7791f, 3.6:1 under white text) is caught.
    await page.goto(`${url}/`);
    await page.addStyleTag({ content: ':root { --timing: #b7791f; }' });
    await page.evaluate(
      `document.querySelector('main').insertAdjacentHTML('afterbegin', '<span class="badge s-timing">timing</span>')`,
    );
    expect(await page.evaluate(LOW_CONTRAST_TEXT)).toEqual([
      expect.objectContaining({ text: 'timing', ratio: 3.64 }),
    ]);
    await page.close();
  });
});
