import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { ProviderName } from '@app/snap';

/** A merchant's account at one provider; one balance-inquiry job per enabled account per run. */
@Entity('provider_accounts')
export class ProviderAccount {
  /** bigserial, kept as a string as pg returns it. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'merchant_id', type: 'text' })
  merchantId!: string;

  @Column('text')
  provider!: ProviderName;

  @Column({ name: 'account_no', type: 'text' })
  accountNo!: string;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  /** Named credential set (Finnet: one per merchant); null means the provider's default set. */
  @Column({ name: 'credential_set', type: 'text', nullable: true })
  credentialSet!: string | null;

  @Column('boolean')
  enabled!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
