import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Migrator } from './migrator.js';

/** The app's Migrator, bound to the app's data source. */
@Injectable()
export class MigrationService extends Migrator {
  constructor(@InjectDataSource() dataSource: DataSource) {
    super(dataSource);
  }

  async pendingNames(): Promise<string[]> {
    return (await this.pending()).map((m) => m.name ?? m.constructor.name);
  }
}
