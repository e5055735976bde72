import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Like, Not, Repository } from 'typeorm';
import { ONE_ROW } from '../../database/dialect.js';
import { RollbackLogEntry } from './rollback-log.entity.js';

export type NewRollbackLogEntry = Omit<
  RollbackLogEntry,
  'id' | 'phases' | 'finishedAt' | 'durationMs' | 'resolution' | 'rootCause' | 'outcome' | 'reEnabledAt'
> & { phases: number[] };

/** rollback_log's rows. Each save is one row outside any transaction: a step's progress lands as it happens. */
@Injectable()
export class RollbackLogRepository {
  constructor(@InjectRepository(RollbackLogEntry) private readonly entries: Repository<RollbackLogEntry>) {}

  /** The latest rollback that touched `phase` (roll-forwards left out). */
  latestFor(phase: number): Promise<RollbackLogEntry | null> {
    return this.entries.findOne({
      where: { phases: Like(`%,${phase},%`), kind: Not('roll-forward') },
      order: { id: 'DESC' },
    });
  }

  /** Newest first. */
  list(limit: number): Promise<RollbackLogEntry[]> {
    return this.entries.find({ order: { id: 'DESC' }, take: limit });
  }

  byId(id: number): Promise<RollbackLogEntry | null> {
    return this.entries.findOneBy({ id });
  }

  /** Phase and to-phase rollbacks still running or failed, newest first. */
  unfinished(): Promise<RollbackLogEntry[]> {
    return this.entries.find({
      where: { status: In(['running', 'failed']), kind: In(['phase', 'to-phase']) },
      order: { id: 'DESC' },
    });
  }

  create(fields: NewRollbackLogEntry): Promise<RollbackLogEntry> {
    return this.entries.save(
      this.entries.create({
        ...fields,
        phases: `,${fields.phases.join(',')},`,
        finishedAt: null,
        durationMs: null,
        resolution: null,
        rootCause: null,
        outcome: null,
        reEnabledAt: null,
      }),
      ONE_ROW,
    );
  }

  save(entry: RollbackLogEntry): Promise<RollbackLogEntry> {
    return this.entries.save(entry, ONE_ROW);
  }
}
