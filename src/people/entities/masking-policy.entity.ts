import { Column, Entity, PrimaryColumn } from 'typeorm';

export const MASKABLE_FIELDS = ['name', 'email', 'phone', 'national_id'] as const;
export type MaskableField = (typeof MASKABLE_FIELDS)[number];
export const MASKING_STRATEGIES = ['keep', 'mask', 'hash', 'drop'] as const;
export type MaskingStrategy = (typeof MASKING_STRATEGIES)[number];

/** How one personal field is stored; a field without a row is kept as is. */
@Entity('people_masking_policy')
export class MaskingPolicy {
  @PrimaryColumn({ type: 'varchar', length: 50 }) field!: MaskableField;
  @Column({ type: 'varchar', length: 16 }) strategy!: MaskingStrategy;
  /** For `mask`: how many trailing characters stay readable. */
  @Column({ type: 'integer', nullable: true }) keepLast!: number | null;
  @Column({ type: 'datetime', precision: 3 }) updatedAt!: Date;
  @Column({ type: 'varchar', length: 100 }) updatedBy!: string;
}
