import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Like, Repository } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error.js';
import { ONE_ROW } from '../../database/dialect.js';
import { RollbackLogEntry } from './rollback-log.entity.js';
import { record, summary, type RollbackRecord, type RollbackSummary } from './rollback-record.js';

export type { RollbackRecord, RollbackSummary } from './rollback-record.js';

/** Reads and writes `rollback_log`; also what the phase status API shows as "last rollback". */
@Injectable()
export class RollbackLog {
  constructor(@InjectRepository(RollbackLogEntry) private readonly entries: Repository<RollbackLogEntry>) {}

  /** The latest rollback that touched `phase` (an emergency touches every phase), or null. */
  async lastFor(phase: number): Promise<RollbackSummary | null> {
    const entry = await this.entries.findOne({ where: { phases: Like(`%,${phase},%`) }, order: { id: 'DESC' } });
    return entry ? summary(entry) : null;
  }

  async list(limit = 50): Promise<RollbackRecord[]> {
    return (await this.entries.find({ order: { id: 'DESC' }, take: limit })).map(record);
  }

  async get(id: number): Promise<RollbackRecord> {
    return record(await this.entry(id));
  }

  /** The resolution is written after the fact, once the cause is understood. */
  async setResolution(id: number, resolution: string): Promise<RollbackRecord> {
    const entry = await this.entry(id);
    entry.resolution = resolution;
    return record(await this.entries.save(entry, ONE_ROW));
  }

  async entry(id: number): Promise<RollbackLogEntry> {
    const entry = await this.entries.findOneBy({ id });
    if (!entry) throw DomainError.notFound('Rollback', id);
    return entry;
  }

  /** The most recent rollback that neither completed nor was superseded. */
  async unfinished(): Promise<RollbackLogEntry | null> {
    return this.entries.findOne({ where: { status: In(['running', 'failed']), kind: In(['phase', 'to-phase']) }, order: { id: 'DESC' } });
  }

  async supersede(by: number): Promise<void> {
    const stale = await this.entries.find({ where: { status: In(['running', 'failed']), kind: In(['phase', 'to-phase']) } });
    for (const entry of stale.filter((e) => e.id !== by)) {
      entry.status = 'superseded';
      entry.issues = [...entry.issues, `superseded by rollback #${by} before it finished`];
      await this.entries.save(entry, ONE_ROW);
    }
  }

  create(fields: Omit<RollbackLogEntry, 'id' | 'phases' | 'finishedAt' | 'durationMs' | 'resolution'> & { phases: number[] }): Promise<RollbackLogEntry> {
    return this.entries.save(this.entries.create({ ...fields, phases: `,${fields.phases.join(',')},`, finishedAt: null, durationMs: null, resolution: null }), ONE_ROW);
  }

  async save(entry: RollbackLogEntry): Promise<void> {
    await this.entries.save(entry, ONE_ROW);
  }
}
