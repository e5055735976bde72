import { hostname } from 'node:os';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { AppMode, Environment } from '../../config/environment.js';
import { isMissingTable } from '../../database/dialect.js';
import { PhaseRegistry } from '../phase-registry.service.js';
import type { FeatureFlagAudit } from './feature-flag-audit.entity.js';
import type { FeatureFlag } from './feature-flag.entity.js';
import { FlagsRepository, type AuditPage, type FlagPoll } from './flags.repository.js';
import { KillSwitch } from './kill-switch.js';
import { FlagRulesRepository, type RulesAuditEntry } from './flag-rules.repository.js';
import {
  CompiledRules,
  EVALUATIONS,
  ruleErrors,
  type FlagContext,
  type FlagEvaluation,
  type FlagRule,
} from './flag-rules.js';
import { inTransaction } from '../../database/transaction.js';

export interface FlagChange {
  actor: string;
  reason: string;
  requestId?: string;
}

export interface FlagView {
  key: string;
  phase: number;
  description: string;
  shadow: boolean;
  /** The value stored in the database. */
  enabled: boolean;
  /** What the code sees: the stored value gated by the kill switch. */
  effective: boolean;
  forcedOff: boolean;
  /** Why effective differs from enabled, when it does. */
  reason: string | null;
  updatedAt: Date | null;
  updatedBy: string | null;
  /** Targeting rules: with any, an enabled flag is on only for the work they match. */
  rules: FlagRule[];
}

interface LoadedRules {
  rules: FlagRule[];
  compiled: CompiledRules;
}

/**
 * Feature flags evaluated from an in-memory snapshot: no query per evaluation. Each replica
 * polls the version number and the stored values every FLAG_REFRESH_MS and reloads the flags
 * when either moved, so a change anywhere is seen everywhere within that bound; a local change
 * applies at once. A value that moved while the version stood still was set by hand in the
 * database (the runbook's last resort): it is audited as actor `database`, once across replicas.
 * Targeting rules load with the flags (a rule change bumps the version too) and evaluate in
 * memory against the caller's context; the kill switch and a stored off win over every rule.
 */
@Injectable()
export class FlagsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(FlagsService.name);
  private readonly killSwitch: KillSwitch;
  private readonly refreshMs: number;
  private snapshot = new Map<string, FeatureFlag>();
  private rules = new Map<string, LoadedRules>();
  /** Per flag, what evaluate() answers: fixed (kill switch, stored off, no rules) or up to its rules. */
  private decisions = new Map<string, FlagEvaluation | CompiledRules>();
  private version = -1;
  private timer?: NodeJS.Timeout;
  private refreshFailing = false;
  private readonly readOnly: boolean;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly store: FlagsRepository,
    private readonly ruleStore: FlagRulesRepository,
    private readonly registry: PhaseRegistry,
    config: ConfigService<Environment, true>,
  ) {
    this.killSwitch = new KillSwitch(config.get('FEATURE_FLAGS_FORCE_OFF', { infer: true }));
    this.refreshMs = config.get('FLAG_REFRESH_MS', { infer: true });
    this.readOnly = config.get('APP_MODE', { infer: true }) === AppMode.ReadOnly;
  }

  async onModuleInit(): Promise<void> {
    try {
      await this.registerFlags();
      await this.refresh();
    } catch (error) {
      // an admin CLI may boot on a database whose framework schema is not (or no longer) there:
      // every flag then reads as off, and the refresh loop picks the flags up once it appears
      if (!isMissingTable(error)) throw error;
      this.logger.warn('flag tables are missing: every flag reads as off until the schema is migrated');
    }
    await this.registerManifest();
    this.timer = setInterval(() => void this.refreshQuietly(), this.refreshMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** The flag's switch (stored value gated by the kill switch), whatever its rules: what jobs and rollbacks read. */
  isEnabled(key: string): boolean {
    return (this.snapshot.get(key)?.enabled ?? false) && !this.killSwitch.forcesOff(key);
  }

  /** Whether the new path runs for this work, and why (OFREP's reasons). In memory: no query. */
  evaluate(key: string, context: FlagContext): FlagEvaluation {
    const decided = this.decisions.get(key);
    if (decided === undefined) return this.killSwitch.forcesOff(key) ? EVALUATIONS.forcedOff : EVALUATIONS.storedOff;
    return decided instanceof CompiledRules ? decided.evaluate(context) : decided;
  }

  list(): FlagView[] {
    return this.registry.flags().map((f) => this.view(f.key));
  }

  view(key: string): FlagView {
    const declared = this.registry.flags().find((f) => f.key === key);
    if (!declared) throw DomainError.notFound('Flag', key);
    const row = this.snapshot.get(key);
    const enabled = row?.enabled ?? false;
    const forcedOff = this.killSwitch.forcesOff(key);
    return {
      key,
      phase: declared.phase,
      description: declared.description,
      shadow: declared.shadow === true,
      enabled,
      effective: enabled && !forcedOff,
      forcedOff,
      reason: forcedOff && enabled ? `forced off by ${this.killSwitch.describe()}` : null,
      updatedAt: row?.updatedAt ?? null,
      updatedBy: row?.updatedBy ?? null,
      rules: this.rules.get(key)?.rules ?? [],
    };
  }

  /**
   * Replaces a flag's rules (an empty list clears them), audited with the old and new rules,
   * in one transaction (joins `manager`'s when given). Rules alone never switch a flag on.
   */
  async setRules(key: string, rules: unknown, change: FlagChange, manager?: EntityManager): Promise<FlagView> {
    const errors = ruleErrors(rules);
    if (!change.reason.trim())
      errors.push({ field: 'reason', messages: ['a reason is required for every flag change'] });
    if (errors.length > 0) throw DomainError.validation(errors);
    if (!this.registry.phaseOfFlag(key)) throw DomainError.notFound('Flag', key);
    const list = rules as FlagRule[];
    const write = (em: EntityManager) => this.ruleStore.write(em, key, list.length > 0 ? list : null, change);
    if (manager) await write(manager);
    else await inTransaction(this.dataSource, write);
    if (!manager) await this.refresh();
    return this.view(key);
  }

  /** The rules' audit trail, newest first. */
  rulesAudit(page: AuditPage): Promise<RulesAuditEntry[]> {
    return this.ruleStore.audit(page);
  }

  async set(key: string, enabled: boolean, change: FlagChange, manager?: EntityManager): Promise<FlagView> {
    await this.setMany([key], enabled, change, manager);
    return this.view(key);
  }

  /**
   * Changes several flags in one transaction (joins `manager`'s when given), with audit rows.
   * Switching on needs each phase's schema: a caller joining its own transaction checks that
   * first with `requireSchemas` and says so (`schemasChecked`), because the check reads the
   * migrations outside the transaction, which on SQLite would wait for the connection it holds.
   */
  async setMany(
    keys: string[],
    enabled: boolean,
    change: FlagChange,
    manager?: EntityManager,
    schemasChecked = false,
  ): Promise<void> {
    if (!change.reason.trim())
      throw DomainError.validation([{ field: 'reason', messages: ['a reason is required for every flag change'] }]);
    if (enabled && !schemasChecked) await this.requireSchemas(keys);
    else for (const key of keys) if (!this.registry.phaseOfFlag(key)) throw DomainError.notFound('Flag', key);
    const write = (em: EntityManager) => this.store.write(em, keys, enabled, change);
    if (manager) await write(manager);
    else await inTransaction(this.dataSource, write);
    // the local replica sees its own change at once; the others within FLAG_REFRESH_MS
    if (!manager) await this.refresh();
  }

  /** Refuses (SCHEMA_NOT_APPLIED) a flag whose phase's schema is not fully applied; 404 for an unknown flag. */
  async requireSchemas(keys: string[]): Promise<void> {
    for (const key of keys) {
      const phase = this.registry.phaseOfFlag(key);
      if (!phase) throw DomainError.notFound('Flag', key);
      if ((await this.registry.schemaState(phase.number)) !== 'applied') {
        throw new DomainError(
          ErrorCode.SchemaNotApplied,
          `Flag ${key} needs phase ${phase.number}'s schema; run "phases enable --phase ${phase.number}" first`,
          { phase: phase.number },
        );
      }
    }
  }

  /** The audit trail, newest first. */
  audit(page: AuditPage): Promise<FeatureFlagAudit[]> {
    return this.store.audit(page);
  }

  /**
   * Reloads the snapshot when the version or a stored value moved; one small read otherwise.
   * A read-only replica applies a change made by hand but leaves its audit to a writable one.
   */
  async refresh(): Promise<void> {
    const seen = await this.store.poll();
    if (seen.version === this.version && this.matchesSnapshot(seen)) return;
    if (seen.version === this.version && !this.readOnly) await this.auditDirectChange(seen.version);
    const version = await this.store.version();
    const flags = await this.store.all();
    const rules = await this.loadRules();
    this.snapshot = new Map(flags.map((f) => [f.key, f]));
    this.rules = new Map(
      [...rules].map(([key, list]) => [key, { rules: list, compiled: new CompiledRules(key, list) }]),
    );
    this.decisions = new Map(flags.map((f) => [f.key, this.decision(f)]));
    this.version = version;
  }

  private decision(flag: FeatureFlag): FlagEvaluation | CompiledRules {
    if (this.killSwitch.forcesOff(flag.key)) return EVALUATIONS.forcedOff;
    if (!flag.enabled) return EVALUATIONS.storedOff;
    return this.rules.get(flag.key)?.compiled ?? EVALUATIONS.on;
  }

  /** No rules table yet (an admin CLI on a database not migrated this far): no flag has rules. */
  private async loadRules(): Promise<Map<string, FlagRule[]>> {
    try {
      return await this.ruleStore.all();
    } catch (error) {
      if (!isMissingTable(error)) throw error;
      return new Map();
    }
  }

  /** A flag the snapshot lacks reads as off, as a newly registered row is stored. */
  private matchesSnapshot(seen: FlagPoll): boolean {
    return [...seen.enabled].every(([key, enabled]) => (this.snapshot.get(key)?.enabled ?? false) === enabled);
  }

  private async auditDirectChange(version: number): Promise<void> {
    const loaded = new Map([...this.snapshot].map(([key, flag]) => [key, flag.enabled]));
    const reason = `changed directly in the database, without the API or CLI (seen by ${hostname()}:${process.pid})`;
    const audited = await inTransaction(this.dataSource, (em) =>
      this.store.auditDirectChanges(em, version, loaded, reason, new Date()),
    );
    if (audited.length > 0) this.logger.warn({ msg: 'flags changed directly in the database', flags: audited });
  }

  private async refreshQuietly(): Promise<void> {
    try {
      await this.refresh();
      if (this.refreshFailing) this.logger.log('flag refresh recovered');
      this.refreshFailing = false;
    } catch (error) {
      // keep serving the last snapshot; say so once, not every interval
      if (!this.refreshFailing)
        this.logger.warn({ msg: 'flag refresh failed; serving the last snapshot', error: String(error) });
      this.refreshFailing = true;
    }
  }

  /** What the lean emergency rollback reads to know every flag and job without booting the app. */
  private async registerManifest(): Promise<void> {
    const entries = [
      ...this.registry.flags().map((f) => ({ kind: 'flag' as const, name: f.key, phase: f.phase })),
      ...this.registry.jobs().map(({ phase, job }) => ({ kind: 'job' as const, name: job.name, phase: phase.number })),
    ];
    try {
      await this.store.registerManifest(entries);
    } catch (error) {
      if (!isMissingTable(error)) throw error;
      this.logger.warn(
        'phase_manifest is missing: the lean emergency rollback boots the application until the schema is migrated',
      );
    }
  }

  /** Every declared flag gets a row (off) the first time a replica starts with it. */
  private registerFlags(): Promise<void> {
    return this.store.addMissing(this.registry.flags(), new Date());
  }
}
