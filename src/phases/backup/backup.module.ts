import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PhasesModule } from '../phases.module.js';
import { BackupService } from './backup.service.js';
import { DatabaseTargetRepository } from './database-target.repository.js';
import { FullBackupRecord } from './full-backup.entity.js';
import { FullBackupRepository } from './full-backup.repository.js';
import { FullBackupService } from './full-backup.service.js';
import { RestoreRowsRepository } from './restore-rows.repository.js';
import { RestoreService } from './restore.service.js';
import { SchemaBackup } from './schema-backup.entity.js';
import { SchemaBackupRepository } from './schema-backup.repository.js';

/** Phase backups and their restore, and full-database backups; for rollbacks, drills and migration guards. */
@Module({
  imports: [PhasesModule, TypeOrmModule.forFeature([SchemaBackup, FullBackupRecord])],
  providers: [
    SchemaBackupRepository,
    BackupService,
    RestoreRowsRepository,
    RestoreService,
    FullBackupRepository,
    DatabaseTargetRepository,
    FullBackupService,
  ],
  exports: [BackupService, RestoreService, FullBackupService, DatabaseTargetRepository],
})
export class BackupModule {}
