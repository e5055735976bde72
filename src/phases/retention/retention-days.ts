/** RETENTION_DAYS (`table=days|off,...`, its format checked with the environment) as table -> days, null for off. */
export function parseRetentionDays(text: string): Map<string, number | null> {
  const days = new Map<string, number | null>();
  for (const pair of text.split(',').filter(Boolean)) {
    const [table, value] = pair.split('=');
    days.set(table, value === 'off' ? null : Number(value));
  }
  return days;
}
