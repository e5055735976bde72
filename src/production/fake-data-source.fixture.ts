import type { DataSource, EntityManager } from 'typeorm';

/** An in-memory fake whose writes a transaction can undo: `begin` returns the undo. */
export interface Transactional {
  begin(): () => void;
}

/**
 * A DataSource for unit specs of services over fake repositories: inTransaction takes its
 * MySQL path (no SQLite gate) and runs `work` with a manager the fakes never read; when
 * `work` throws, every fake in `stores` is put back as it was, as a rollback would.
 */
export function fakeDataSource(...stores: Transactional[]): DataSource {
  const manager = {} as EntityManager;
  return {
    options: { type: 'mysql' },
    manager,
    async transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
      const undo = stores.map((s) => s.begin());
      try {
        return await work(manager);
      } catch (error) {
        for (const u of undo) u();
        throw error;
      }
    },
  } as unknown as DataSource;
}
