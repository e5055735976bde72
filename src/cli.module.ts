import { DynamicModule, Module } from '@nestjs/common';
import { AppModule } from './app.module.js';
import { KeysCommand, KeysCreateCommand, KeysListCommand, KeysRevokeCommand } from './common/auth/keys.command.js';
import { MigrateCommand } from './database/migrate.command.js';
import { ProductionModule } from './production/production.module.js';
import { SeedCommand } from './production/seed.command.js';

/** The admin CLI boots the real application module, minus HTTP, start-up migrations and jobs. */
@Module({})
export class CliModule {
  static forRoot(): DynamicModule {
    return {
      module: CliModule,
      imports: [AppModule.forRoot({ MIGRATE_ON_START: 'false' }), ProductionModule],
      providers: [KeysCommand, KeysCreateCommand, KeysListCommand, KeysRevokeCommand, MigrateCommand, SeedCommand],
    };
  }
}
