import { DISCREPANCIES_HREF } from './discrepancies-hook';
import type { Display } from './display';
import { html, SafeHtml } from './html';
import { STYLES } from './styles';

/**
 * The Content-Security-Policy of every page: no script at all, styles inline only (injected
 * markup could not run even if escaping failed). A page with forms may post them back to this
 * origin; a page without forms may post nowhere.
 */
export function pageCsp(page: { forms: boolean }): string {
  const formAction = page.forms ? "'self'" : "'none'";
  return `default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action ${formAction}; frame-ancestors 'none'`;
}

/**
 * The page frame: header with navigation, then `body`. `view` names the zone the page's times
 * are in; a page without times (an error page) passes `null`.
 */
export function layout(title: string, view: Display | null, body: SafeHtml): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        <style>
          ${new SafeHtml(STYLES)}
        </style>
      </head>
      <body>
        <header>
          <a class="brand" href="/">snap-recon</a>
          <nav>
            <a href="/">Overview</a><a href="/#attention">Needs attention</a
            ><a href="/#daily">Daily</a> <a href="${DISCREPANCIES_HREF}">Discrepancies</a
            ><a href="/#runs">Runs</a><a href="/docs">API docs</a><a href="/queues">Queues</a>
          </nav>
          ${view ? html`<span class="tz">times in ${view.timeZone} (${view.zone})</span>` : ''}
        </header>
        <main>${body}</main>
      </body>
    </html>`.value;
}
