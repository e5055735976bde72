import { Module } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { PhasesModule } from '../phases.module.js';
import { FULL_BACKUP_TAKER, SchemaRevertService, type FullBackupTaker } from './schema-revert.service.js';

const noFullBackups: FullBackupTaker = {
  take: () => Promise.reject(new DomainError(ErrorCode.UnsafeRequest, 'This build cannot take a full database backup')),
};

/** `migrate --revert` under the runbook's rules: flags first, core data only with a full backup. */
@Module({
  imports: [PhasesModule],
  providers: [SchemaRevertService, { provide: FULL_BACKUP_TAKER, useValue: noFullBackups }],
  exports: [SchemaRevertService],
})
export class SchemaRevertModule {}
