import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { q } from '../../backup/row-stream.js';

/**
 * The drill's throwaway MariaDB/MySQL database beside the live one, on the same server (the
 * full backup's restore creates it); nothing here reads or writes the live database's tables.
 */
@Injectable()
export class ScratchDatabaseRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  liveName(): string {
    return String(this.dataSource.options.database);
  }

  async drop(name: string): Promise<void> {
    await this.dataSource.query(`DROP DATABASE IF EXISTS ${q(name)}`);
  }
}
