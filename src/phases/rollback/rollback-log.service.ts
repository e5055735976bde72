import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error.js';
import type { RollbackLogEntry } from './rollback-log.entity.js';
import { RollbackLogRepository, type NewRollbackLogEntry } from './rollback-log.repository.js';
import { record, summary, type RollbackRecord, type RollbackSummary } from './rollback-record.js';

export type { RollbackRecord, RollbackSummary } from './rollback-record.js';

/** The rollback log as the runbook keeps it; also what the phase status API shows as "last rollback". */
@Injectable()
export class RollbackLog {
  constructor(private readonly entries: RollbackLogRepository) {}

  /** The latest rollback that touched `phase` (an emergency touches every phase), or null. */
  async lastFor(phase: number): Promise<RollbackSummary | null> {
    const entry = await this.entries.latestFor(phase);
    return entry ? summary(entry) : null;
  }

  async list(limit = 50): Promise<RollbackRecord[]> {
    return (await this.entries.list(limit)).map(record);
  }

  async get(id: number): Promise<RollbackRecord> {
    return record(await this.entry(id));
  }

  /** The resolution is written after the fact, once the cause is understood. */
  async setResolution(id: number, resolution: string): Promise<RollbackRecord> {
    const entry = await this.entry(id);
    entry.resolution = resolution;
    return record(await this.entries.save(entry));
  }

  async entry(id: number): Promise<RollbackLogEntry> {
    const entry = await this.entries.byId(id);
    if (!entry) throw DomainError.notFound('Rollback', id);
    return entry;
  }

  /** The most recent rollback that neither completed nor was superseded. */
  async unfinished(): Promise<RollbackLogEntry | null> {
    return (await this.entries.unfinished())[0] ?? null;
  }

  async supersede(by: number): Promise<void> {
    for (const entry of (await this.entries.unfinished()).filter((e) => e.id !== by)) {
      entry.status = 'superseded';
      entry.issues = [...entry.issues, `superseded by rollback #${by} before it finished`];
      await this.entries.save(entry);
    }
  }

  create(fields: NewRollbackLogEntry): Promise<RollbackLogEntry> {
    return this.entries.create(fields);
  }

  async save(entry: RollbackLogEntry): Promise<void> {
    await this.entries.save(entry);
  }
}
