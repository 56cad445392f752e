import { Display } from './display';
import { providersSection } from './providers-hook';

describe('providers section of the report page', () => {
  it('shows a provider down with since when (page time zone) and why, the others up, and each last good answer', () => {
    const page = providersSection(
      [
        {
          provider: 'netzme',
          state: 'closed',
          since: null,
          reason: null,
          lastSuccessAt: new Date('2026-12-01T03:20:05Z'),
          consecutiveFailures: 0,
        },
        {
          provider: 'nicepay',
          state: 'open',
          since: new Date('2026-12-01T03:14:30Z'),
          reason: 'nicepay: balance-inquiry failed: <UND_ERR_HEADERS_TIMEOUT>',
          lastSuccessAt: new Date('2026-12-01T03:14:02Z'),
          consecutiveFailures: 12,
        },
      ],
      new Display('Asia/Jakarta'),
    ).toString();
    const nicepay = page.slice(page.indexOf('data-testid="provider-nicepay"'));
    expect(nicepay).toMatch(/NICEPay unavailable since 10:14/);
    expect(nicepay).toContain('2026-12-01 10:14:02');
    // The reason is escaped like every value on the page.
    expect(nicepay).toContain('&lt;UND_ERR_HEADERS_TIMEOUT&gt;');
    const netzme = page.slice(
      page.indexOf('data-testid="provider-netzme"'),
      page.indexOf('data-testid="provider-nicepay"'),
    );
    expect(netzme).toContain('>up<');
    expect(netzme).toContain('2026-12-01 10:20:05');
  });
});
