import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, FindOptionsWhere, LessThan } from 'typeorm';
import { dialectOf, toDbTime, upsertStatement } from '../../database/dialect.js';
import type { SwitchChange } from '../rollback/emergency-statements.js';
import { FeatureFlagRulesAudit } from './feature-flag-rules-audit.entity.js';
import { FeatureFlagRules } from './feature-flag-rules.entity.js';
import type { FlagRule } from './flag-rules.js';
import type { AuditPage } from './flags.repository.js';

/** A change of one flag's rules, as audited; null: none. */
export interface RulesChange {
  before: FlagRule[] | null;
  after: FlagRule[] | null;
}

/** One audited change of a flag's rules, the JSON parsed. */
export type RulesAuditEntry = Omit<FeatureFlagRulesAudit, 'oldRules' | 'newRules'> & RulesChange;

/** feature_flag_rules and its audit. A change bumps the flag version, so every replica reloads. */
@Injectable()
export class FlagRulesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Every flag's rules, by flag key. */
  async all(): Promise<Map<string, FlagRule[]>> {
    const rows = await this.dataSource.getRepository(FeatureFlagRules).find();
    return new Map(rows.map((r) => [r.flagKey, JSON.parse(r.rules) as FlagRule[]]));
  }

  /**
   * Replaces (`rules`) or clears (null) a flag's rules in the caller's transaction, with an
   * audit row when they changed. The version bump comes first: its row lock orders concurrent
   * writers, so each audits the rules the one before it wrote.
   */
  async write(
    manager: EntityManager,
    key: string,
    rules: FlagRule[] | null,
    change: SwitchChange,
    now = new Date(),
  ): Promise<RulesChange | null> {
    await manager.query(`UPDATE feature_flag_state SET version = version + 1 WHERE id = 1`);
    const rows: Array<{ rules: string }> = await manager.query(
      `SELECT rules FROM feature_flag_rules WHERE flag_key = ?`,
      [key],
    );
    const before = rows[0]?.rules ?? null;
    const after = rules === null ? null : JSON.stringify(rules);
    if (before === after) return null;
    const at = toDbTime(now);
    if (after === null) await manager.query(`DELETE FROM feature_flag_rules WHERE flag_key = ?`, [key]);
    else
      await manager.query(
        upsertStatement(
          dialectOf(manager),
          'feature_flag_rules',
          ['flag_key', 'rules', 'updated_at', 'updated_by'],
          ['flag_key'],
          ['rules', 'updated_at', 'updated_by'],
          1,
        ),
        [key, after, at, change.actor],
      );
    await manager.query(
      `INSERT INTO feature_flag_rules_audit (flag_key, old_rules, new_rules, actor, reason, request_id, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [key, before, after, change.actor, change.reason.trim(), change.requestId ?? null, at],
    );
    return { before: parse(before), after: rules };
  }

  /** Newest first. */
  async audit(page: AuditPage): Promise<RulesAuditEntry[]> {
    const where: FindOptionsWhere<FeatureFlagRulesAudit> = {};
    if (page.key) where.flagKey = page.key;
    if (page.before) where.id = LessThan(page.before);
    const rows = await this.dataSource
      .getRepository(FeatureFlagRulesAudit)
      .find({ where, order: { id: 'DESC' }, take: page.limit });
    return rows.map(({ oldRules, newRules, ...row }) => ({ ...row, before: parse(oldRules), after: parse(newRules) }));
  }
}

function parse(rules: string | null): FlagRule[] | null {
  return rules === null ? null : (JSON.parse(rules) as FlagRule[]);
}
