import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import type { Environment } from '../config/environment.js';
import { truncateSqliteWal } from '../database/dialect.js';
import { inTransaction } from '../database/transaction.js';
import { MASKABLE_FIELDS, MaskableField, MaskingPolicy, MaskingStrategy } from './entities/masking-policy.entity.js';
import type { MaskingRule, MaskingRules } from './masking.js';

export interface PolicyChange {
  field: MaskableField;
  strategy: MaskingStrategy;
  keepLast?: number | null;
}

export interface PolicyView {
  field: MaskableField;
  strategy: MaskingStrategy;
  keepLast: number | null;
  /** Null for a field without a stored rule (kept as is). */
  updatedAt: Date | null;
  updatedBy: string | null;
}

/**
 * The masking policy applied at ingest. Any real change bumps `updated_at`, and the operator
 * sync compares that with its last full sync: a changed policy makes the next run a full one,
 * so every cached operator is re-ingested under the new rules.
 */
@Injectable()
export class MaskingPolicyService implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaskingPolicyService.name);
  /** Without a key, `hash` is a plain sha256 that a phone number or an id can be guessed back from. */
  private readonly hashKeySet: boolean;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: ConfigService<Environment, true>,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.hashKeySet = config.get('PEOPLE_HASH_KEY', { infer: true }) !== '';
  }

  /** Said once by the server at start; the CLI's output stays its own. */
  async onApplicationBootstrap(): Promise<void> {
    // the CLI's application context has no HTTP adapter, whatever the host's type says
    const httpAdapter = this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | undefined;
    if (this.hashKeySet || !httpAdapter) return;
    const hashed = (await this.list().catch(() => [])).filter((p) => p.strategy === 'hash').map((p) => p.field);
    this.logger.warn({
      msg: 'PEOPLE_HASH_KEY is empty: the hash masking strategy cannot be enabled',
      ...(hashed.length
        ? { reversibleFields: hashed, advice: 'set PEOPLE_HASH_KEY; the next full operator sync re-hashes them' }
        : {}),
    });
  }

  async rules(): Promise<MaskingRules> {
    const rows = await this.dataSource.getRepository(MaskingPolicy).find();
    return new Map(rows.map((r) => [r.field, { strategy: r.strategy, keepLast: r.keepLast } satisfies MaskingRule]));
  }

  async list(): Promise<PolicyView[]> {
    const rows = new Map((await this.dataSource.getRepository(MaskingPolicy).find()).map((r) => [r.field, r]));
    return MASKABLE_FIELDS.map((field) => {
      const row = rows.get(field);
      return {
        field,
        strategy: row?.strategy ?? 'keep',
        keepLast: row?.keepLast ?? null,
        updatedAt: row?.updatedAt ?? null,
        updatedBy: row?.updatedBy ?? null,
      };
    });
  }

  async lastChangedAt(): Promise<Date | null> {
    const rows = await this.dataSource.getRepository(MaskingPolicy).find({ order: { updatedAt: 'DESC' }, take: 1 });
    return rows.at(0)?.updatedAt ?? null;
  }

  /** Stores the rules that differ from the current ones; returns the fields that changed. */
  async update(changes: PolicyChange[], actor: string): Promise<MaskableField[]> {
    const unkeyed = changes.filter((c) => c.strategy === 'hash').map((c) => c.field);
    if (unkeyed.length && !this.hashKeySet) {
      throw new DomainError(
        ErrorCode.UnsafeRequest,
        `The hash strategy needs PEOPLE_HASH_KEY: without a key a hashed value can be guessed back (${unkeyed.join(', ')})`,
        { fields: unkeyed },
      );
    }
    const changed = await inTransaction(this.dataSource, async (em) => {
      const repo = em.getRepository(MaskingPolicy);
      const current = new Map((await repo.find()).map((r) => [r.field, r]));
      const now = new Date();
      const fields: MaskableField[] = [];
      for (const change of changes) {
        const keepLast = change.strategy === 'mask' ? (change.keepLast ?? 0) : null;
        const before = current.get(change.field);
        const same = before
          ? before.strategy === change.strategy && before.keepLast === keepLast
          : change.strategy === 'keep';
        if (same) continue;
        await repo.save({ field: change.field, strategy: change.strategy, keepLast, updatedAt: now, updatedBy: actor });
        fields.push(change.field);
      }
      return fields;
    });
    if (changed.length) {
      this.logger.log({ msg: 'people masking policy changed: next operator sync is full', fields: changed, actor });
      await truncateSqliteWal(this.dataSource);
    }
    return changed;
  }
}
