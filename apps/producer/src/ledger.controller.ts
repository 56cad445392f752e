import { Body, Controller, HttpCode, HttpException, Post, Query } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ingestLedgerBatch, MAX_LEDGER_BATCH, validateLedgerBatch } from '@app/ledger';
import { Actor, appendAudit } from '@app/reconciliation';
import { RequestActor } from './audit/actor';
import { ledgerPostAudit } from './audit/ledger-post-audit';
import { noQuery } from './reports/report-params';
import { capErrors, parseQuery } from './validation';

/** Ledger ingestion: batches of entries, idempotent by entry reference. */
@Controller('ledger')
export class LedgerController {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Stores a batch all-or-nothing. 400 for a malformed entry, 422 for an unknown account or an
   * amount that would take a running balance beyond what the ledger holds, 409 when a
   * reference is already recorded with another amount or time; every error names
   * the entry's index, the field and the value. Resending a stored batch stores nothing.
   * A batch that stored entries is recorded in the audit trail, one record per account.
   */
  @Post('entries')
  @HttpCode(200)
  async append(@Body() body: unknown, @Query() query: unknown, @RequestActor() actor: Actor) {
    parseQuery(noQuery, query);
    // Errors listed: one per entry of the largest batch at most (every entry can be named; a
    // thousand unknown keys in one entry do not make a huge answer), the rest counted.
    const valid = validateLedgerBatch(body);
    if (!valid.ok)
      throw new HttpException(
        Object.assign(
          { statusCode: 400, message: 'invalid ledger batch' },
          capErrors(valid.errors, MAX_LEDGER_BATCH),
        ),
        400,
      );
    // The audit record commits with the entries, or neither does.
    const outcome = await ingestLedgerBatch(this.ds, valid.entries, (tx, stored) =>
      appendAudit(tx, ledgerPostAudit(actor, valid.entries, stored)),
    );
    if (!outcome.ok) {
      const status = outcome.errors.some((e) => e.code === 'conflict') ? 409 : 422;
      throw new HttpException(
        Object.assign(
          { statusCode: status, message: 'ledger batch not stored' },
          capErrors(outcome.errors, MAX_LEDGER_BATCH),
        ),
        status,
      );
    }
    return { inserted: outcome.inserted, duplicates: outcome.duplicates };
  }
}
