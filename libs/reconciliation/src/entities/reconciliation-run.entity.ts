import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { RunStatus, RunTrigger } from '../result-status';
import type { RunSummary } from '../run-summary';

/** One reconciliation of a set of accounts, started by the schedule, the API or the CLI. */
@Entity('reconciliation_runs')
export class ReconciliationRun {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column('text')
  trigger!: RunTrigger;

  /** The scheduler tick that created the run; unique so two producers create one run. */
  @Column({ name: 'schedule_key', type: 'text', nullable: true })
  scheduleKey!: string | null;

  @Column({ name: 'provider_filter', type: 'text', nullable: true })
  providerFilter!: string | null;

  @Column({ name: 'merchant_filter', type: 'text', nullable: true })
  merchantFilter!: string | null;

  @Column('text')
  status!: RunStatus;

  @Column({ name: 'account_count', type: 'integer' })
  accountCount!: number;

  @Column({ name: 'completed_count', type: 'integer' })
  completedCount!: number;

  @Column({ type: 'jsonb', nullable: true })
  summary!: RunSummary | null;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
