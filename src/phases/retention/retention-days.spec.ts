import { parseRetentionDays, refuseUnknownTables } from './retention-days.js';

describe('RETENTION_DAYS', () => {
  it('reads table=days|off pairs; nothing set is an empty map', () => {
    expect([...parseRetentionDays('token_event=3650,job_run=off')]).toEqual([
      ['token_event', 3650],
      ['job_run', null],
    ]);
    expect(parseRetentionDays('').size).toBe(0);
  });

  it('refuses a table no module declares, naming it and the known ones', () => {
    expect(() => refuseUnknownTables(parseRetentionDays('token_events=5'), ['token_event', 'job_run'])).toThrow(
      'RETENTION_DAYS names token_events, which no module declares a retention for (known: token_event, job_run)',
    );
    expect(() => refuseUnknownTables(parseRetentionDays('job_run=off'), ['token_event', 'job_run'])).not.toThrow();
  });
});
