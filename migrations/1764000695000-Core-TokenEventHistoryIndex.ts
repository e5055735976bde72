import { MigrationInterface, QueryRunner } from 'typeorm';
import { createIndexIfMissing, dropIndexIfPresent } from './indexes.js';

const TOKEN_INDEX = 'idx_token_event_token';
const TOKEN_INDEX_COLUMNS = ['token_id', 'id'];
const HISTORY_INDEX = 'idx_token_event_token_history';
const HISTORY_INDEX_COLUMNS = [...TOKEN_INDEX_COLUMNS, 'type', 'occurred_at', 'node_id'];

/**
 * The dashboard's waits and processing times pair each window event with the event before it
 * in its token's history. Through (token_id, id) alone, every one of those events is a second
 * lookup into the table: on MariaDB the refresh read ~30,000 rows that way once history had
 * outgrown the window (bench:scale, 1M events: the bottleneck view 43 -> 113 ms). The index
 * that replaces it carries the columns those reads need, so they stay inside the index; its
 * (token_id, id) prefix serves every read the old one served. Created before the old one is
 * dropped, so a token's history is never without an index; down() restores the old one.
 */
export class CoreTokenEventHistoryIndex1764000695000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    await createIndexIfMissing(qr, 'token_event', HISTORY_INDEX, HISTORY_INDEX_COLUMNS);
    await dropIndexIfPresent(qr, 'token_event', TOKEN_INDEX);
  }

  async down(qr: QueryRunner): Promise<void> {
    await createIndexIfMissing(qr, 'token_event', TOKEN_INDEX, TOKEN_INDEX_COLUMNS);
    await dropIndexIfPresent(qr, 'token_event', HISTORY_INDEX);
  }
}
