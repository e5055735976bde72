import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ONE_ROW } from '../../../database/dialect.js';
import { RollbackDrill } from './rollback-drill.entity.js';

export type NewRollbackDrill = Pick<RollbackDrill, 'toPhase' | 'phases' | 'actor' | 'copy' | 'startedAt'>;

/** rollback_drill's rows: the only row a drill writes to the live database. */
@Injectable()
export class RollbackDrillRepository {
  constructor(@InjectRepository(RollbackDrill) private readonly drills: Repository<RollbackDrill>) {}

  create(fields: NewRollbackDrill): Promise<RollbackDrill> {
    return this.drills.save(
      this.drills.create({
        ...fields,
        status: 'running',
        finishedAt: null,
        durationMs: null,
        steps: [],
        checksums: [],
        error: null,
      }),
      ONE_ROW,
    );
  }

  save(drill: RollbackDrill): Promise<RollbackDrill> {
    return this.drills.save(drill, ONE_ROW);
  }

  /** Newest first. */
  list(limit: number): Promise<RollbackDrill[]> {
    return this.drills.find({ order: { id: 'DESC' }, take: limit });
  }

  byId(id: number): Promise<RollbackDrill | null> {
    return this.drills.findOneBy({ id });
  }
}
