import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import type { Environment } from '../config/environment.js';
import type { OemRuleAction, OemScanRule } from './entities/oem-scan-rule.entity.js';
import { OemRulesRepository, type ActiveRule } from './oem-rules.repository.js';
import { SafePattern } from './safe-pattern.js';

export interface RuleInput {
  customer: string;
  stationCode: string;
  pattern: string;
  action: OemRuleAction;
  priority?: number;
  active?: boolean;
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
    private readonly repository: OemRulesRepository,
    config: ConfigService<Environment, true>,
  ) {
    this.refreshMs = config.get('OEM_RULES_REFRESH_MS', { infer: true });
  }

  /** Every active rule, higher priority first, ties by id: from the snapshot while it is fresh. */
  async active(em: EntityManager): Promise<ActiveRule[]> {
    if (this.snapshot && Date.now() - this.snapshot.at < this.refreshMs) return this.snapshot.rules;
    const generation = this.generation;
    const rules = await this.repository.active(em);
    if (generation === this.generation) this.snapshot = { rules, at: Date.now() };
    return rules;
  }

  list(stationCode?: string): Promise<OemScanRule[]> {
    return this.repository.list(stationCode);
  }

  async get(id: number): Promise<OemScanRule> {
    const rule = await this.repository.findById(id);
    if (!rule) throw DomainError.notFound('OEM scan rule', id);
    return rule;
  }

  async create(input: RuleInput): Promise<OemScanRule> {
    checkPattern(input.pattern);
    const now = new Date();
    return this.changed(
      this.repository.save({
        ...input,
        priority: input.priority ?? 0,
        active: input.active ?? true,
        createdAt: now,
        updatedAt: now,
      }),
    );
  }

  async update(id: number, change: Partial<RuleInput>): Promise<OemScanRule> {
    if (change.pattern !== undefined) checkPattern(change.pattern);
    const rule = await this.get(id);
    return this.changed(this.repository.save(Object.assign(rule, change, { updatedAt: new Date() })));
  }

  async remove(id: number): Promise<void> {
    await this.changed(this.repository.remove(await this.get(id)));
  }

  /** This replica's own rule changes apply to its next scan. */
  private async changed<T>(write: Promise<T>): Promise<T> {
    const result = await write;
    this.generation++;
    this.snapshot = null;
    return result;
  }
}

function checkPattern(pattern: string): void {
  const check = SafePattern.check(pattern);
  if (!check.ok) throw DomainError.validation([{ field: 'pattern', messages: [`pattern ${check.problem}`] }]);
}
