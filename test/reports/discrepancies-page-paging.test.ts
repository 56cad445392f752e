import type { INestApplication } from '@nestjs/common';
import { createAccounts } from '../repositories/repository-fixtures';
import { startProducerHttp } from './http';
import { DEV_AUTHORIZATION } from '../support/api-caller';
import { loadPage, postForm } from '../support/page-form';
import { deleteRedisKeys } from '../support/redis-cleanup';
import { createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';

/**
 * `/ui/discrepancies` lists 200 a page, most recently seen first: past 200 active ones, those
 * seen longest ago are on the next pages, reachable from the page's links (they could not be
 * reached from the page at all: `?page=` was a 400), and a change made from a page brings the
 * person back to that page.
 */
describe('discrepancies page: paging past 200', () => {
  const config = testConfig();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    db = await createTestDatabase(config);
    ({ app, url } = await startProducerHttp(config));
    const accountNos = Array.from({ length: 205 }, (_, i) => `PAGED-${String(i).padStart(3, '0')}`);
    await createAccounts(db.dataSource, accountNos);
    const [{ id: runId }] = await db.dataSource.query(
      `INSERT INTO reconciliation_runs (trigger, status) VALUES ('api', 'finished') RETURNING id`,
    );
    // PAGED-000 was seen longest ago, PAGED-204 most recently.
    await db.dataSource.query(
      `INSERT INTO discrepancies (account_id, opened_run_id, last_run_id, first_difference, last_difference, last_seen_at)
       SELECT a.id, $1, $1, -100, -100, now() - (205 - substr(a.account_no, 7)::int) * interval '1 minute'
         FROM provider_accounts a WHERE a.account_no LIKE 'PAGED-%'`,
      [runId],
    );
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await db.drop();
    await deleteRedisKeys(config.REDIS_URL, config.QUEUE_PREFIX);
  });

  const page = async (query: string) => {
    const res = await fetch(`${url}/ui/discrepancies${query}`, {
      headers: { authorization: DEV_AUTHORIZATION },
    });
    return { status: res.status, text: await res.text() };
  };
  /** A link as the page writes it (its markup may be broken over lines). */
  const link = (to: string, text: string) =>
    new RegExp(`<a\\s+href="${to.replace(/[?.]/g, '\\$&')}"\\s*>${text}</a`);
  const listed = (text: string) => [...text.matchAll(/PAGED-\d{3}/g)].map((m) => m[0]);

  it('page 1 holds the 200 most recently seen and links to the older ones; page 2 holds the 5 oldest and links back', async () => {
    const first = await page('');
    expect(first.status).toBe(200);
    expect(first.text).toMatch(/Discrepancies \(active\): 205, 1–200 shown/);
    expect(new Set(listed(first.text)).size).toBe(200);
    expect(listed(first.text)).not.toContain('PAGED-000');
    expect(first.text).toMatch(link('/ui/discrepancies?page=2', 'older →'));

    const second = await page('?page=2');
    expect(second.status).toBe(200);
    expect(second.text).toMatch(/Discrepancies \(active\): 205, 201–205 shown/);
    expect(new Set(listed(second.text))).toEqual(
      new Set(['PAGED-000', 'PAGED-001', 'PAGED-002', 'PAGED-003', 'PAGED-004']),
    );
    expect(second.text).toMatch(link('/ui/discrepancies', '← more recent'));
    expect(second.text).toContain('page 2 of 2');

    // The status filter is kept in the links.
    expect((await page('?status=open')).text).toMatch(
      link('/ui/discrepancies?status=open&amp;page=2', 'older →'),
    );
  });

  it('a change posted from page 2 brings the person back to page 2; a page past the end links back to the last page', async () => {
    const second = await loadPage(url, '/ui/discrepancies?page=2');
    const id = /data-discrepancy="(\d+)"/.exec(second.text)![1];
    const posted = await postForm(url, `/ui/discrepancies/${id}/resolve`, second.cookie!, {
      _csrf: second.token!,
      returnStatus: 'active',
      returnPage: '2',
      note: 'refunded',
    });
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toBe('/ui/discrepancies?page=2');

    const beyond = await page('?page=50');
    expect(beyond.status).toBe(200);
    expect(beyond.text).toMatch(link('/ui/discrepancies?page=2', '← more recent'));
    expect(beyond.text).toContain('page 50 of 2');
  });

  it('?status=all lists every discrepancy, a resolved one too (without forms), as GET /discrepancies?status=all does (it was a 400); a change posted from it comes back to it', async () => {
    const all = await loadPage(url, '/ui/discrepancies?status=all');
    expect(all.status).toBe(200);
    expect(all.text).toMatch(link('/ui/discrepancies?status=all&amp;page=2', 'older →'));
    // Resolve the most recently seen one from the "all" list: it stays listed there, resolved.
    const id = /data-discrepancy="(\d+)"/.exec(all.text)![1];
    const posted = await postForm(url, `/ui/discrepancies/${id}/resolve`, all.cookie!, {
      _csrf: all.token!,
      returnStatus: 'all',
      returnPage: '1',
      note: 'settled',
    });
    expect(posted.headers.get('location')).toBe('/ui/discrepancies?status=all');
    const after = await page('?status=all');
    const row = new RegExp(`<tr data-discrepancy="${id}">[\\s\\S]*?</tr>`).exec(after.text)![0];
    expect(row).toContain('d-resolved');
    expect(row).not.toContain('<form');
    const active = await page('');
    expect(active.text).not.toContain(`data-discrepancy="${id}"`);
  });

  it('a page that is not a whole number from 1 is a 400 naming page and the value', async () => {
    for (const bad of ['0', 'x', '-1']) {
      const res = await page(`?page=${bad}`);
      expect(res.status).toBe(400);
      expect((JSON.parse(res.text) as { errors: unknown }).errors).toEqual([
        {
          field: 'page',
          value: JSON.stringify(bad),
          reason: 'must be a whole number from 1 to 999999',
        },
      ]);
    }
  });
});
