import { Logger } from '@nestjs/common';
import type { ObjectLiteral, QueryRunner } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import type { OwnedColumn, OwnedTable } from '../phase-definition.js';
import { inspectDrop } from './migration-guard.js';

/** What a core migration's down() drops: tables in drop order (children first), and columns it added to tables it keeps. */
export interface CoreSchema {
  readonly migration: string;
  readonly tables: readonly OwnedTable[];
  readonly columns: readonly OwnedColumn[];
}

export function coreSchema(
  migration: string,
  tables: readonly OwnedTable[],
  columns: readonly OwnedColumn[] = [],
): CoreSchema {
  return Object.freeze({ migration, tables: Object.freeze([...tables]), columns: Object.freeze([...columns]) });
}

/**
 * The operator's explicit permission to drop core tables holding data, and the verified full
 * database backup that holds that data. It reaches down() as `queryRunner.data` (see
 * Migrator's RevertOptions.allow), so a revert without it, a raw TypeORM one included, is refused.
 */
export interface CoreDataDrop {
  reason: string;
  actor: string;
  fullBackup: { id: number; location: string };
}

const CORE_DATA_DROP = 'coreDataDrop';

export function allowCoreDataDrop(drop: CoreDataDrop): ObjectLiteral {
  return { [CORE_DATA_DROP]: drop };
}

/** The operator's words for the override, in every refusal that names it. */
export const CORE_DATA_DROP_USAGE = 'migrate --revert --drop-core-data --reason TEXT --full-backup';

/**
 * Call first in a core migration's down(). The core's tables hold what a rollback must never
 * lose (the rollback log, the flag audit, backups, keys, job runs, tokens and their history):
 * a table holding rows that is not rebuildable is dropped only with the operator's explicit
 * override and a verified full backup; otherwise UNSAFE_REQUEST names each such table.
 */
export async function guardCoreDrop(qr: QueryRunner, schema: CoreSchema): Promise<void> {
  const holding = (await inspectDrop(qr, schema))
    .filter((item) => item.refusal !== null)
    .map((item) => (item.column ? `${item.table}.${item.column}` : item.table));
  if (holding.length === 0) return;
  const allowed = (qr.data as ObjectLiteral | undefined)?.[CORE_DATA_DROP] as CoreDataDrop | undefined;
  if (allowed) {
    new Logger('CoreSchemaGuard').warn({
      msg: 'dropping core tables that hold data, by explicit override',
      migration: schema.migration,
      tables: holding,
      ...allowed,
    });
    return;
  }
  throw new DomainError(
    ErrorCode.UnsafeRequest,
    `Refusing to revert ${schema.migration}: it would drop core tables or columns holding data (${holding.join(', ')}). ` +
      `Core data is dropped only on purpose, with a verified full backup: ${CORE_DATA_DROP_USAGE}`,
    { migration: schema.migration, tables: holding },
  );
}

/** The usual core down(): guard, then drop the tables in the given order, each only if present. */
export async function dropCoreSchema(qr: QueryRunner, schema: CoreSchema): Promise<void> {
  await guardCoreDrop(qr, schema);
  for (const table of schema.tables) await qr.dropTable(table.name, true);
}
