import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `reconciliation_results.provider_reference`: the provider's own id of the answer that made
 * the result (`referenceNo`, e.g. Finnet's "Transaction identifier on service provider
 * system"), where it gives one. With `external_id` (the X-EXTERNAL-ID sent) it is what an
 * operator quotes to the provider about a result.
 */
export class ResultReferences1764800000000 implements MigrationInterface {
  name = 'ResultReferences1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reconciliation_results ADD COLUMN provider_reference text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reconciliation_results DROP COLUMN provider_reference`);
  }
}
