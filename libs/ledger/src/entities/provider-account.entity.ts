import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

/** A merchant's account at one provider; one balance-inquiry job per enabled account per run. */
@Entity('provider_accounts')
export class ProviderAccount {
  /** bigserial, kept as a string as pg returns it. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'merchant_id', type: 'text' })
  merchantId!: string;

  @Column('text')
  provider!: string;

  @Column({ name: 'account_no', type: 'text' })
  accountNo!: string;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  /** Named credential set (Finnet: one per merchant); null means the provider's default set. */
  @Column({ name: 'credential_set', type: 'text', nullable: true })
  credentialSet!: string | null;

  @Column('boolean')
  enabled!: boolean;

  /** NICEPay seller id (`additionalInfo.msId`), sent with the balance inquiry. */
  @Column({ name: 'ms_id', type: 'text', nullable: true })
  msId!: string | null;

  /** The merchant name the provider must report for this account (Finnet names it). */
  @Column({ name: 'expected_provider_name', type: 'text', nullable: true })
  expectedProviderName!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
