import type { FullBackup } from '../backup/full-backup.service.js';
import { ageText, fullBackupLine } from './full-backup-report.js';

describe('the age of the last full backup, as the dry run prints it', () => {
  it('names the two largest units', () => {
    expect([0, 35, 60, 754, 3600, 15_120, 86_400, 183_600].map(ageText)).toEqual([
      '0 s',
      '35 s',
      '1 min',
      '12 min 34 s',
      '1 h',
      '4 h 12 min',
      '1 d',
      '2 d 3 h',
    ]);
  });

  it('says when none was ever taken', () => {
    expect(fullBackupLine(null)).toBe('Last full backup: none recorded (take one: backup --full)');
    const backup = {
      location: '/b/x-full/database.sql',
      bytes: 10,
      sha256: 'a'.repeat(64),
      createdAt: new Date('2026-01-01T00:00:00Z'),
      ageSeconds: 7260,
    } as FullBackup;
    expect(fullBackupLine(backup)).toBe(
      'Last full backup: 2 h 1 min ago (2026-01-01T00:00:00.000Z), /b/x-full/database.sql, 10 bytes, sha256 aaaaaaaaaaaa',
    );
  });
});
