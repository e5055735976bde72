import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
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

/** Station scan rules. A pattern is compiled on save, so a stored pattern always compiles. */
@Injectable()
export class OemRulesService {
  constructor(private readonly dataSource: DataSource) {}

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
    return this.repo().save({ ...input, priority: input.priority ?? 0, active: input.active ?? true, createdAt: now, updatedAt: now });
  }

  async update(id: number, change: Partial<RuleInput>): Promise<OemScanRule> {
    if (change.pattern !== undefined) checkPattern(change.pattern);
    const rule = await this.get(id);
    return this.repo().save({ ...rule, ...change, updatedAt: new Date() });
  }

  async remove(id: number): Promise<void> {
    await this.repo().remove(await this.get(id));
  }

  private repo() {
    return this.dataSource.getRepository(OemScanRule);
  }
}

function checkPattern(pattern: string): void {
  const check = SafePattern.check(pattern);
  if (!check.ok) throw DomainError.validation([{ field: 'pattern', messages: [`pattern ${check.problem}`] }]);
}
