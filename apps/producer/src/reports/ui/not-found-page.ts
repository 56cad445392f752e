import type { Display } from './display';
import { html } from './html';
import { layout } from './layout';

/** A plain 404 page. */
export function notFoundPage(message: string, view: Display): string {
  return layout(
    'Not found · snap-recon',
    view,
    html`<section>
      <h1>Not found</h1>
      <p>${message}</p>
      <p><a href="/">Back to the overview</a></p>
    </section>`,
  );
}
