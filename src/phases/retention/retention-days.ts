/** RETENTION_DAYS (`table=days|off,...`, its format checked with the environment) as table -> days, null for off. */
export function parseRetentionDays(text: string): Map<string, number | null> {
  const days = new Map<string, number | null>();
  for (const pair of text.split(',').filter(Boolean)) {
    const [table, value] = pair.split('=');
    days.set(table, value === 'off' ? null : Number(value));
  }
  return days;
}

/** Refuses a RETENTION_DAYS that names a table no module declares a retention for (a typo would keep it whole). */
export function refuseUnknownTables(configured: ReadonlyMap<string, unknown>, known: readonly string[]): void {
  const unknown = [...configured.keys()].filter((t) => !known.includes(t));
  if (unknown.length)
    throw new Error(
      `RETENTION_DAYS names ${unknown.join(', ')}, which no module declares a retention for (known: ${known.join(', ')})`,
    );
}
