import { format } from 'mysql2';
import { upsertRows, upsertStatement, type RowValue } from './dialect.js';

const columns = ['id', 'name', 'active', 'note'];
const rows: RowValue[][] = [
  ['a', 'O\'Brien \\ "x" ?', 1, null],
  ['b', 'Zoë\n\t\0\x1a', 0, '2026-12-06 12:00:00.000'],
  ['c', '', 1.5, 'DROP TABLE x; --'],
];

describe('upsertRows', () => {
  it('on MySQL, is the statement the driver would send for the bound rows, with no parameters left', () => {
    const { sql, parameters } = upsertRows('mysql', 't', columns, ['id'], columns.slice(1), rows);
    expect(parameters).toEqual([]);
    expect(sql).toBe(
      format(upsertStatement('mysql', 't', columns, ['id'], columns.slice(1), rows.length), rows.flat()),
    );
    expect(sql).toContain(`('a', 'O\\'Brien \\\\ \\"x\\" ?', 1, NULL)`);
  });

  it('on SQLite, binds every value to the placeholder statement', () => {
    const { sql, parameters } = upsertRows('sqlite', 't', columns, ['id'], columns.slice(1), rows);
    expect(sql).toBe(upsertStatement('sqlite', 't', columns, ['id'], columns.slice(1), rows.length));
    expect(parameters).toEqual(rows.flat());
  });
});
