import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export enum TokenStatus {
  Waiting = 'waiting',
  InProgress = 'in_progress',
  Done = 'done',
  Scrapped = 'scrapped',
}

export enum TokenEventType {
  Spawned = 'spawned',
  Assigned = 'assigned',
  Started = 'started',
  Completed = 'completed',
  Routed = 'routed',
  Finished = 'finished',
  Scrapped = 'scrapped',
}

/**
 * One work piece. Moves are conditional UPDATEs on `version` (see TokenStore), never
 * entity saves, so two replicas cannot both move the same token.
 */
@Entity('token')
export class Token {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'varchar', length: 80 }) serial!: string;
  @Column({ type: 'integer' }) jobId!: number;
  @Column({ type: 'integer' }) currentNodeId!: number;
  @Column({ type: 'varchar', length: 16 }) status!: TokenStatus;
  @Column({ type: 'integer', nullable: true }) assignedAccountId!: number | null;
  @Column({ type: 'integer', nullable: true }) assignedTeamId!: number | null;
  @Column({ type: 'integer', default: 1 }) version!: number;
  @Column({ type: 'datetime', precision: 3 }) createdAt!: Date;
  @Column({ type: 'datetime', precision: 3 }) updatedAt!: Date;
}

/** Append-only history of every token transition; the Phase 10 analytics read only this. */
@Entity('token_event')
export class TokenEvent {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'integer' }) tokenId!: number;
  @Column({ type: 'varchar', length: 16 }) type!: TokenEventType;
  @Column({ type: 'integer', nullable: true }) nodeId!: number | null;
  @Column({ type: 'integer', nullable: true }) operatorId!: number | null;
  @Column({ type: 'datetime', precision: 3 }) occurredAt!: Date;
  @Column({ type: 'simple-json', nullable: true }) payload!: Record<string, unknown> | null;
}
