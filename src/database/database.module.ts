import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, MigrationInterface } from 'typeorm';
import { environmentOf } from '../config/config.module.js';
import { Environment } from '../config/environment.js';
import { dataSourceOptions } from './data-source-options.js';
import { setGaleraSessionPerConnection } from './galera.js';
import { MigrationService } from './migration.service.js';
import { Migrator } from './migrator.js';
import { SqliteCheckpointer } from './sqlite/checkpointer.js';

@Global()
@Module({})
export class DatabaseModule {
  /**
   * The data source is created, and with MIGRATE_ON_START its migrations applied under the
   * migration lock, before any other provider starts, so no module ever sees an old schema.
   */
  static forRoot(migrations: ReadonlyArray<new () => MigrationInterface>): DynamicModule {
    let migrateOnStart = false;
    let wsrepSyncWait = 1;
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService<Environment, true>) => {
            const env = environmentOf(config);
            migrateOnStart = env.MIGRATE_ON_START;
            wsrepSyncWait = env.DB_WSREP_SYNC_WAIT;
            return { ...dataSourceOptions(env, migrations), entities: [], autoLoadEntities: true };
          },
          dataSourceFactory: async (options) => {
            if (!options) throw new Error('TypeORM passed no data source options to the factory');
            const dataSource = new DataSource(options);
            setGaleraSessionPerConnection(dataSource, wsrepSyncWait);
            await dataSource.initialize();
            if (migrateOnStart) await new Migrator(dataSource).run();
            return dataSource;
          },
        }),
      ],
      providers: [MigrationService, SqliteCheckpointer],
      exports: [MigrationService],
    };
  }
}
