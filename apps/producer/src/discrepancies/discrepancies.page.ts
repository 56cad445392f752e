import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import {
  changeDiscrepancy,
  DiscrepancyTransitionError,
  DiscrepancyView,
  listDiscrepancies,
} from '@app/reconciliation';
import { discrepancyId, noteSchema } from './discrepancies.controller';

const esc = (v: unknown) =>
  String(v ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

function row(d: DiscrepancyView): string {
  const forms =
    d.status === 'resolved'
      ? ''
      : `<form method="post" action="/ui/discrepancies/${esc(d.id)}/${d.status === 'open' ? 'acknowledge' : 'resolve'}">
           <input name="note" required maxlength="2000" placeholder="note" aria-label="note for discrepancy ${esc(d.id)}">
           <button>${d.status === 'open' ? 'Acknowledge' : 'Resolve'}</button></form>` +
        (d.status === 'open'
          ? `<form method="post" action="/ui/discrepancies/${esc(d.id)}/resolve">
               <input name="note" required maxlength="2000" placeholder="note" aria-label="resolution note for discrepancy ${esc(d.id)}">
               <button>Resolve</button></form>`
          : '');
  return `<tr data-discrepancy="${esc(d.id)}"><td>${esc(d.id)}</td><td>${esc(d.status)}</td><td>${esc(d.merchantId)}</td>
    <td><a href="/ui/accounts/${esc(d.provider)}/${esc(d.accountNo)}">${esc(d.provider)} ${esc(d.accountNo)}</a></td>
    <td class="num">${esc(d.lastDifference)}${d.explanation ? `<div class="small muted" data-testid="explanation">${esc(d.explanation)}</div>` : ''}</td><td class="num">${esc(d.occurrences)}</td>
    <td>${esc(d.openedAt.slice(0, 16).replace('T', ' '))}</td><td>${esc(d.lastSeenAt.slice(0, 16).replace('T', ' '))}</td>
    <td class="note">${esc(d.note)}</td><td>${forms}</td></tr>`;
}

/** The discrepancy list a person works through: acknowledge or resolve with a note. */
@Controller('ui/discrepancies')
export class DiscrepanciesPage {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  @Get()
  async page(@Query('status') status: string | undefined, @Res() res: Response) {
    const wanted =
      status === 'resolved' || status === 'acknowledged' || status === 'open' ? status : 'active';
    const { items, total } = await listDiscrepancies(this.ds, {
      status: wanted,
      page: 1,
      pageSize: 200,
    });
    res.type('html')
      .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Discrepancies · snap-recon</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#1d2330}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #e3e6ee;padding:6px 8px;text-align:left;vertical-align:top}.num{text-align:right;font-variant-numeric:tabular-nums}
.note{white-space:pre-line;color:#555;max-width:280px}form{display:inline-flex;gap:4px;margin:2px 0}nav a{margin-right:12px}</style></head>
<body><nav><a href="/">Runs</a><a href="/ui/discrepancies">Active</a><a href="/ui/discrepancies?status=resolved">Resolved</a></nav>
<h1>Discrepancies (${esc(wanted)}): ${total}${total > items.length ? `, the ${items.length} most recent shown` : ''}</h1>
<table><thead><tr><th>#</th><th>status</th><th>merchant</th><th>account</th><th>difference</th><th>runs seen</th><th>opened</th><th>last seen</th><th>note</th><th></th></tr></thead>
<tbody>${items.map(row).join('') || '<tr><td colspan="10">none</td></tr>'}</tbody></table></body></html>`);
  }

  @Post(':id/:action')
  async change(
    @Param('id') id: string,
    @Param('action') action: string,
    @Body() body: unknown,
    @Res() res: Response,
  ) {
    if (action !== 'acknowledge' && action !== 'resolve') return res.status(404).send('not found');
    const parsed = noteSchema.safeParse(body);
    if (!parsed.success)
      return res.status(400).type('text').send(`note: ${parsed.error.issues[0].message}`);
    try {
      const changed = await changeDiscrepancy(this.ds, discrepancyId(id), action, parsed.data.note);
      if (!changed) return res.status(404).type('text').send(`discrepancy ${id} not found`);
    } catch (e) {
      if (e instanceof DiscrepancyTransitionError)
        return res.status(409).type('text').send(e.message);
      throw e;
    }
    return res.redirect(303, '/ui/discrepancies');
  }
}
