import type { FullBackup } from '../backup/full-backup.service.js';

/** "2 d 3 h", "4 h 12 min", "35 s": the largest two units. */
export function ageText(seconds: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400],
    ['h', 3_600],
    ['min', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let left = seconds;
  for (const [name, size] of units) {
    if (left >= size || (parts.length === 0 && size === 1)) {
      parts.push(`${Math.floor(left / size)} ${name}`);
      left %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

/** One line on the latest full backup, as the dry run and `backup --full` print it. */
export function fullBackupLine(backup: FullBackup | null): string {
  if (!backup) return 'Last full backup: none recorded (take one: backup --full)';
  return `Last full backup: ${ageText(backup.ageSeconds)} ago (${backup.createdAt.toISOString()}), ${backup.location}, ${backup.bytes} bytes, sha256 ${backup.sha256.slice(0, 12)}`;
}
