import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintTransformer } from '../bigint.transformer';

/** One movement of a merchant's money at a provider, as the platform's ledger recorded it. */
@Entity('ledger_entries')
export class LedgerEntry {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'account_id', type: 'bigint' })
  accountId!: string;

  /** The caller's unique reference; a repeated import of the same reference adds nothing. */
  @Column({ name: 'entry_ref', type: 'text' })
  entryRef!: string;

  /** The provider's transaction id of this movement, when the platform knows it (issue 15). */
  @Column({ name: 'provider_ref', type: 'text', nullable: true })
  providerRef!: string | null;

  /** Signed minor units: credits positive, debits negative. */
  @Column({ type: 'bigint', transformer: bigintTransformer })
  amount!: bigint;

  @Column({ name: 'posted_at', type: 'timestamptz' })
  postedAt!: Date;

  /** Running balance after this entry in (posted_at, id) order. */
  @Column({ name: 'balance_after', type: 'bigint', transformer: bigintTransformer })
  balanceAfter!: bigint;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
