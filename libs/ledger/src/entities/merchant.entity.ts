import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A merchant of the platform, known by the platform's own id. */
@Entity('merchants')
export class Merchant {
  @PrimaryColumn('text')
  id!: string;

  @Column('text')
  name!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
