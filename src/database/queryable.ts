/** Anything that runs SQL: a QueryRunner (inside a migration's transaction), a DataSource or an EntityManager. */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}
