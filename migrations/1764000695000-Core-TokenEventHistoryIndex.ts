import { MigrationInterface, QueryRunner } from 'typeorm';
import { replaceIndex } from './indexes.js';

const TOKEN_INDEX = { name: 'idx_token_event_token', columns: ['token_id', 'id'] };
const HISTORY_INDEX = {
  name: 'idx_token_event_token_history',
  columns: [...TOKEN_INDEX.columns, 'type', 'occurred_at', 'node_id'],
};

/**
 * The dashboard's waits and processing times pair each window event with the event before it
 * in its token's history. Through (token_id, id) alone, every one of those events is a second
 * lookup into the table: on MariaDB the refresh read ~30,000 rows that way once history had
 * outgrown the window (bench:scale, 1M events: the bottleneck view 43 -> 113 ms). The index
 * that replaces it carries the columns those reads need, so they stay inside the index; its
 * (token_id, id) prefix serves every read the old one served. down() restores the old one.
 */
export class CoreTokenEventHistoryIndex1764000695000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    await replaceIndex(qr, 'token_event', TOKEN_INDEX, HISTORY_INDEX);
  }

  async down(qr: QueryRunner): Promise<void> {
    await replaceIndex(qr, 'token_event', HISTORY_INDEX, TOKEN_INDEX);
  }
}
