import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import type { Environment } from '../config/environment.js';
import { ONE_ROW } from '../database/dialect.js';
import { OemScanRule, type OemRuleAction } from './entities/oem-scan-rule.entity.js';
import { SafePattern } from './safe-pattern.js';

export interface RuleInput {
  customer: string;
  stationCode: string;
  pattern: string;
  action: OemRuleAction;
  priority?: number;
  active?: boolean;
}

/** An active rule as the scan path reads it. */
export interface ActiveRule {
  id: number;
  customer: string;
  stationCode: string;
  pattern: string;
  action: OemRuleAction;
}

/**
 * Station scan rules. A pattern is compiled on save, so a stored pattern always compiles.
 * The scan path reads the active rules from a snapshot at most OEM_RULES_REFRESH_MS old,
 * like the flags: rules change seldom, scans all the time.
 */
@Injectable()
export class OemRulesService {
  private readonly refreshMs: number;
  private snapshot: { rules: ActiveRule[]; at: number } | null = null;
  /** Bumped by every rule write, so a load that began before it cannot install what it read. */
  private generation = 0;

  constructor(
    private readonly dataSource: DataSource,
    config: ConfigService<Environment, true>,
  ) {
    this.refreshMs = config.get('OEM_RULES_REFRESH_MS', { infer: true });
  }

  /** Every active rule, higher priority first, ties by id. */
  async active(em: EntityManager): Promise<ActiveRule[]> {
    if (this.snapshot && Date.now() - this.snapshot.at < this.refreshMs) return this.snapshot.rules;
    const generation = this.generation;
    const rows: Array<{ id: number; customer: string; station_code: string; pattern: string; action: OemRuleAction }> = await em.query(
      `SELECT id, customer, station_code, pattern, action FROM oem_scan_rule WHERE active = 1 ORDER BY priority DESC, id`,
    );
    const rules = rows.map((r) => ({ id: Number(r.id), customer: r.customer, stationCode: r.station_code, pattern: r.pattern, action: r.action }));
    if (generation === this.generation) this.snapshot = { rules, at: Date.now() };
    return rules;
  }

  list(stationCode?: string): Promise<OemScanRule[]> {
    return this.repo().find({ where: stationCode ? { stationCode } : {}, order: { stationCode: 'ASC', priority: 'DESC', id: 'ASC' } });
  }

  async get(id: number): Promise<OemScanRule> {
    const rule = await this.repo().findOneBy({ id });
    if (!rule) throw DomainError.notFound('OEM scan rule', id);
    return rule;
  }

  async create(input: RuleInput): Promise<OemScanRule> {
    checkPattern(input.pattern);
    const now = new Date();
    return this.changed(await this.repo().save({ ...input, priority: input.priority ?? 0, active: input.active ?? true, createdAt: now, updatedAt: now }, ONE_ROW));
  }

  async update(id: number, change: Partial<RuleInput>): Promise<OemScanRule> {
    if (change.pattern !== undefined) checkPattern(change.pattern);
    const rule = await this.get(id);
    return this.changed(await this.repo().save({ ...rule, ...change, updatedAt: new Date() }, ONE_ROW));
  }

  async remove(id: number): Promise<void> {
    this.changed(await this.repo().remove(await this.get(id), ONE_ROW));
  }

  /** This replica's own rule changes apply to its next scan. */
  private changed<T>(result: T): T {
    this.generation++;
    this.snapshot = null;
    return result;
  }

  private repo() {
    return this.dataSource.getRepository(OemScanRule);
  }
}

function checkPattern(pattern: string): void {
  const check = SafePattern.check(pattern);
  if (!check.ok) throw DomainError.validation([{ field: 'pattern', messages: [`pattern ${check.problem}`] }]);
}
