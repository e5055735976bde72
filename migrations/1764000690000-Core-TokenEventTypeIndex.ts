import { MigrationInterface, QueryRunner } from 'typeorm';
import { createIndexIfMissing, dropIndexIfPresent } from './indexes.js';

const NAME = 'idx_token_event_type_time';

/**
 * The dashboard's window reads, "events of one type in the last 24 hours" (the waits, the
 * processing times, each team's completions): through the index on occurred_at alone they
 * read every event of the window, whatever its type, so a 100,000-token spawn inside the
 * window made each of them read 100,000 more rows, and on SQLite the refresh blocked the
 * process for over 200 ms (bench:scale). This index seeks straight to the type's events. An
 * index holds no data of its own, so down() simply drops it.
 */
export class CoreTokenEventTypeIndex1764000690000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    await createIndexIfMissing(qr, 'token_event', NAME, ['type', 'occurred_at']);
  }

  async down(qr: QueryRunner): Promise<void> {
    await dropIndexIfPresent(qr, 'token_event', NAME);
  }
}
