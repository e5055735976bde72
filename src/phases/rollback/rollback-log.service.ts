import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error.js';
import type { RollbackLogEntry } from './rollback-log.entity.js';
import { RollbackLogRepository, type NewRollbackLogEntry } from './rollback-log.repository.js';
import { RollbackNotifier } from './rollback-notifier.js';
import { record, summary, type RollbackRecord, type RollbackSummary } from './rollback-record.js';

export type { RollbackRecord, RollbackSummary } from './rollback-record.js';

/** The rollback log as the runbook keeps it; also what the phase status API shows as "last rollback". */
export interface Resolution {
  resolution: string;
  rootCause?: string;
  outcome?: string;
}

@Injectable()
export class RollbackLog {
  constructor(
    private readonly entries: RollbackLogRepository,
    private readonly notifier: RollbackNotifier,
  ) {}

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

  /**
   * The resolution, with the root cause and the outcome, is written after the fact, once the
   * cause is understood; it sends the RESOLVED notice (an undelivered one is kept under issues).
   */
  async setResolution(id: number, resolution: Resolution): Promise<RollbackRecord> {
    const entry = await this.entry(id);
    entry.resolution = resolution.resolution;
    if (resolution.rootCause !== undefined) entry.rootCause = resolution.rootCause;
    if (resolution.outcome !== undefined) entry.outcome = resolution.outcome;
    await this.entries.save(entry);
    if (entry.kind === 'roll-forward') return record(entry);
    const undelivered = await this.notifier.notify('rollback.resolved', entry);
    if (undelivered) {
      entry.issues = [...entry.issues, undelivered];
      await this.entries.save(entry);
    }
    return record(entry);
  }

  /** A full `phases enable` of `phase` stamps the latest rollback that took it down. */
  async markReEnabled(phase: number, at: Date): Promise<void> {
    const entry = await this.entries.latestFor(phase);
    if (!entry) return;
    entry.reEnabledAt = at;
    await this.entries.save(entry);
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
