import { Module } from '@nestjs/common';
import { BackupModule } from '../backup/backup.module.js';
import { PhasesModule } from '../phases.module.js';
import { SchemaRevertService } from './schema-revert.service.js';

/** `migrate --revert` under the runbook's rules: flags first, core data only with a verified full backup. */
@Module({
  imports: [PhasesModule, BackupModule],
  providers: [SchemaRevertService],
  exports: [SchemaRevertService],
})
export class SchemaRevertModule {}
