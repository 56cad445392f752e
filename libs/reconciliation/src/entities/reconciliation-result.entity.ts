import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintTransformer } from '@app/ledger';
import type { ResultStatus } from '../result-status';

/** The outcome for one account in one run; unique per (run, account). */
@Entity('reconciliation_results')
export class ReconciliationResult {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'run_id', type: 'bigint' })
  runId!: string;

  @Column({ name: 'account_id', type: 'bigint' })
  accountId!: string;

  @Column('text')
  status!: ResultStatus;

  /** False only while a timing difference waits for its re-check. */
  @Column({ name: 'is_final', type: 'boolean' })
  isFinal!: boolean;

  @Column({
    name: 'provider_balance',
    type: 'bigint',
    nullable: true,
    transformer: bigintTransformer,
  })
  providerBalance!: bigint | null;

  @Column({
    name: 'ledger_balance',
    type: 'bigint',
    nullable: true,
    transformer: bigintTransformer,
  })
  ledgerBalance!: bigint | null;

  /** provider − ledger. */
  @Column({ type: 'bigint', nullable: true, transformer: bigintTransformer })
  difference!: bigint | null;

  @Column({
    name: 'in_flight_amount',
    type: 'bigint',
    nullable: true,
    transformer: bigintTransformer,
  })
  inFlightAmount!: bigint | null;

  @Column({ type: 'char', length: 3, nullable: true })
  currency!: string | null;

  @Column({ name: 'response_code', type: 'text', nullable: true })
  responseCode!: string | null;

  @Column('integer')
  attempts!: number;

  @Column({ name: 'provider_time', type: 'timestamptz', nullable: true })
  providerTime!: Date | null;

  @Column({ name: 'as_of', type: 'timestamptz', nullable: true })
  asOf!: Date | null;

  @Column({ name: 'external_id', type: 'text', nullable: true })
  externalId!: string | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage!: string | null;

  /** The account-status values the provider gave, when asked. */
  @Column({ name: 'provider_status', type: 'jsonb', nullable: true })
  providerStatus!: Record<string, string> | null;

  /** The merchant name the provider reported. */
  @Column({ name: 'provider_name', type: 'text', nullable: true })
  providerName!: string | null;

  @Column({ name: 'checked_at', type: 'timestamptz' })
  checkedAt!: Date;
}
