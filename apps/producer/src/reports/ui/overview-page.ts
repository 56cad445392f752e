import { nothingNeedsAttention, RESULT_STATUSES, RunView } from '@app/reconciliation';
import type { DailyMismatchFigures, Page, ResultItem } from '@app/reconciliation/report-views';
import { BreakerStatus, formatAmount } from '@app/snap';
import { accountKeyText } from '@app/ledger';
import { accountHref, accountLabel, amountCell, badge } from './cells';
import { dailyChart } from './chart';
import { Display } from './display';
import { DiscrepancyCounts, discrepanciesSection } from './discrepancies-hook';
import { href, html, SafeHtml } from './html';
import { layout } from './layout';
import { providersSection, ProvidersUnknown } from './providers-hook';

/** Statuses shown in "needs attention": everything but matched. */
export const ATTENTION_STATUSES = RESULT_STATUSES.filter((s) => s !== 'matched');

export interface OverviewData {
  display: Display;
  run: RunView | null;
  /** True when `run` is the latest run (not one picked with `?run=`). */
  runIsLatest: boolean;
  attention: Page<ResultItem> | null;
  runs: Page<RunView>;
  /** Oldest day first. */
  daily: DailyMismatchFigures[];
  discrepancies: DiscrepancyCounts;
  /** Each provider's circuit breaker now, or why it could not be read (omitted: not shown). */
  providers?: BreakerStatus[] | ProvidersUnknown;
}

/** A sentence from a phrase: its first letter upper-case. */
const sentence = (phrase: string) => phrase.charAt(0).toUpperCase() + phrase.slice(1);

function duration(run: RunView): string {
  if (!run.finishedAt) return '–';
  const s = Math.round((Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000);
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

function runSummary(run: RunView, isLatest: boolean, view: Display): SafeHtml {
  // A running run's figures are live (its results so far): said so, beside each total.
  const running = run.status === 'running';
  const soFar = running ? ' so far' : '';
  const runHref = (path: string[], query: Record<string, string | undefined> = {}) =>
    href(['runs', run.id, ...path], query);
  const tiles = RESULT_STATUSES.map(
    (s) =>
      html`<div class="tile s-${s}" style="--c:var(--${s})">
        <div class="n" data-testid="count-${s}">${run.counts[s]}</div>
        <div class="l">${s}${soFar}</div>
      </div>`,
  );
  const providers = Object.keys(run.byProvider).sort();
  return html`<section id="run">
    <h1>
      ${isLatest ? 'Latest run' : 'Run'}
      <span data-testid="run-id">#${run.id}</span> ${badge(run.status)}
    </h1>
    <p class="meta">
      ${run.trigger} · started ${view.when(run.startedAt)} ·
      ${run.finishedAt ? `finished ${view.when(run.finishedAt)} (${duration(run)})` : `${run.completedCount} of ${run.accountCount} accounts done`}
      · ${run.accountCount}
      accounts${run.providerFilter ? ` · provider ${run.providerFilter}` : ''}${run.merchantFilter ? ` · merchant ${run.merchantFilter}` : ''}
    </p>
    ${
      running
        ? html`<p class="meta" data-testid="figures-so-far">
            Figures so far: the run is still running (${run.completedCount} of ${run.accountCount}
            accounts done); they change until it ends.
          </p>`
        : ''
    }
    <div class="tiles">
      ${tiles}
      <div class="tile money" style="--c:var(--mismatched)">
        <div class="n" data-testid="total-difference">${view.amount(run.totalAbsDifference)}</div>
        <div class="l">
          ${
            run.breakCount === null
              ? ''
              : html`<span data-testid="break-count">${run.breakCount}</span> `
          }breaks${soFar}:
          total |difference|
        </div>
      </div>
      <div class="tile money" style="--c:var(--mismatched)">
        <div class="n" data-testid="largest-difference">
          ${view.amount(run.largestAbsDifference)}
        </div>
        <div class="l">largest break${soFar}</div>
      </div>
    </div>
    ${
      providers.length > 0
        ? html`<table class="by-provider">
            <thead>
              <tr>
                <th>provider</th>
                ${RESULT_STATUSES.map((s) => html`<th class="num">${s}</th>`)}
              </tr>
            </thead>
            <tbody>
              ${providers.map(
                (p) =>
                  html`<tr>
                    <td>${p}</td>
                    ${RESULT_STATUSES.map((s) => html`<td class="num">${run.byProvider[p][s]}</td>`)}
                  </tr>`,
              )}
            </tbody>
          </table>`
        : ''
    }
    <p class="links small">
      <a href="${runHref(['results.csv'])}">all results (CSV)</a>
      <a href="${runHref(['results.csv'], { status: ATTENTION_STATUSES.join(',') })}"
        >needs attention (CSV)</a
      >
      <a href="${runHref([])}">run (JSON)</a><a href="${runHref(['results'])}">results (JSON)</a>
    </p>
  </section>`;
}

function attentionTable(run: RunView, attention: Page<ResultItem>, view: Display): SafeHtml {
  const rows = attention.items.map(
    (r) =>
      html`<tr data-testid="attention-row" data-account="${accountKeyText(r)}">
        <td>
          ${r.merchantName}
          <div class="muted small">${r.merchantId}</div>
        </td>
        <td>${r.provider}</td>
        <td><a href="${accountHref(r)}">${accountLabel(r)}</a></td>
        <td>${badge(r.status)}</td>
        ${amountCell(r.providerBalance, view)}${amountCell(r.ledgerBalance, view)}${amountCell(r.difference, view)}
        <td>${r.responseCode ?? ''}</td>
        <td class="err">${r.error ?? ''}</td>
      </tr>`,
  );
  const csv = href(['runs', run.id, 'results.csv'], { status: ATTENTION_STATUSES.join(',') });
  return html`<section id="attention">
    <h2>
      Needs attention
      <span class="sub"
        >run #${run.id}: ${attention.total} accounts not matched (${ATTENTION_STATUSES.join(', ')}),
        largest |difference| first</span
      >
    </h2>
    ${
      attention.total === 0
        ? html`<p class="muted" data-testid="all-clear">
            ${sentence(nothingNeedsAttention(run))}.
          </p>`
        : html`<table>
              <thead>
                <tr>
                  <th>merchant</th>
                  <th>provider</th>
                  <th>account</th>
                  <th>status</th>
                  <th class="num">provider balance</th>
                  <th class="num">ledger balance</th>
                  <th class="num">difference</th>
                  <th>code</th>
                  <th>error</th>
                </tr>
              </thead>
              <tbody>
                ${rows}
              </tbody>
            </table>
            ${attention.total > attention.items.length ? html`<p class="small">Showing ${attention.items.length} of ${attention.total}: <a href="${csv}">download all as CSV</a>.</p>` : ''}`
    }
  </section>`;
}

function dailySection(daily: DailyMismatchFigures[], view: Display): SafeHtml {
  return html`<section id="daily">
    <h2>
      Daily breaks
      <span class="sub"
        >last ${daily.length} days; each account counted once a day, with its last difference</span
      >
    </h2>
    ${dailyChart(daily, { amountText: (minor) => view.amount(formatAmount(minor)) })}
    <details>
      <summary>figures</summary>
      <table class="small">
        <thead>
          <tr>
            <th>day</th>
            <th class="num">runs</th>
            <th class="num">accounts with a break</th>
            <th class="num">total |difference|</th>
          </tr>
        </thead>
        <tbody>
          ${[...daily].reverse().map(
            (d) =>
              html`<tr>
                <td>${d.date}</td>
                <td class="num">${d.runs}</td>
                <td class="num">${d.mismatchCount}</td>
                <td class="num">${view.amount(formatAmount(d.totalAbsDifference))}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </details>
  </section>`;
}

function runsTable(runs: Page<RunView>, selected: string | null, view: Display): SafeHtml {
  const rows = runs.items.map(
    (r) =>
      html`<tr
        data-testid="run-row"
        data-run="${r.id}"
        ${r.id === selected ? html` style="background:#eef4ff"` : ''}
      >
        <td><a href="${href([], { run: r.id })}">#${r.id}</a></td>
        <td>${badge(r.status)}</td>
        <td>${r.trigger}</td>
        <td class="when">${view.when(r.startedAt)}</td>
        <td class="num">${duration(r)}</td>
        <td class="num">
          ${r.status === 'running' ? `${r.completedCount}/${r.accountCount}` : r.accountCount}
        </td>
        ${RESULT_STATUSES.map((s) => html`<td class="num">${r.status === 'running' ? '' : r.counts[s]}</td>`)}
        <td class="num">${view.amount(r.totalAbsDifference)}</td>
      </tr>`,
  );
  const lastPage = Math.max(1, Math.ceil(runs.total / runs.pageSize));
  return html`<section id="runs">
    <h2>Runs <span class="sub">${runs.total} in all, latest first</span></h2>
    <table>
      <thead>
        <tr>
          <th>run</th>
          <th>status</th>
          <th>trigger</th>
          <th>started</th>
          <th class="num">took</th>
          <th class="num">accounts</th>
          ${RESULT_STATUSES.map((s) => html`<th class="num">${s}</th>`)}
          <th class="num">total |difference|</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
    <p class="pager small">
      ${runs.page > 1 ? html`<a href="${href([], { runsPage: runs.page - 1, run: selected ?? undefined })}#runs">← newer</a>` : ''}
      <span>page ${runs.page} of ${lastPage}</span>
      ${runs.page < lastPage ? html`<a href="${href([], { runsPage: runs.page + 1, run: selected ?? undefined })}#runs">older →</a>` : ''}
    </p>
  </section>`;
}

/** `/`: the shown run's counts and accounts needing attention, the daily chart, the runs. */
export function overviewPage(data: OverviewData): string {
  const { run, display: view } = data;
  const body = html`${
    run
      ? runSummary(run, data.runIsLatest, view)
      : html`<section>
          <h1>No run yet</h1>
          <p class="muted">Start one with <code>POST /runs</code> or the CLI.</p>
        </section>`
  }
  ${run && data.attention ? attentionTable(run, data.attention, view) : ''}
  ${data.providers ? providersSection(data.providers, view) : ''} ${dailySection(data.daily, view)}
  ${discrepanciesSection(data.discrepancies)} ${runsTable(data.runs, run?.id ?? null, view)}`;
  return layout(run ? `snap-recon · run #${run.id}` : 'snap-recon', view, body);
}
