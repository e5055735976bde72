import { DynamicModule, Module } from '@nestjs/common';
import { AppExtras, AppModule } from './app.module.js';
import { AssignmentCommandsModule } from './assignment/assignment-compare.command.js';
import { KeysCommand, KeysCreateCommand, KeysListCommand, KeysRevokeCommand } from './common/auth/keys.command.js';
import { MigrateCommand } from './phases/cli/migrate.command.js';
import { PhaseCommandsModule } from './phases/cli/phase-commands.module.js';
import { SchemaRevertModule } from './phases/guard/schema-revert.module.js';
import { ProductionModule } from './production/production.module.js';
import { SeedCommand } from './production/seed.command.js';

/** The admin CLI boots the real application module, minus HTTP, start-up migrations and jobs. */
@Module({})
export class CliModule {
  /** `extras` lets the end-to-end suites run the CLI with their test phases. */
  static forRoot(extras: AppExtras = {}): DynamicModule {
    return {
      module: CliModule,
      imports: [
        AppModule.forRoot({ MIGRATE_ON_START: 'false', JOBS_ENABLED: 'false' }, extras),
        ProductionModule,
        PhaseCommandsModule,
        SchemaRevertModule,
        AssignmentCommandsModule,
      ],
      providers: [KeysCommand, KeysCreateCommand, KeysListCommand, KeysRevokeCommand, MigrateCommand, SeedCommand],
    };
  }
}
