import { fakePhase as phase } from './phase-definition.fixture.js';
import { assertConsistentPhases } from './phase-registry.service.js';

describe('assertConsistentPhases', () => {
  it('accepts phases whose requirements are registered below them', () => {
    expect(() => assertConsistentPhases([phase(7), phase(8), phase(9, { requires: [7] })])).not.toThrow();
  });

  it('refuses a phase whose required phase is missing', () => {
    expect(() => assertConsistentPhases([phase(8), phase(9, { requires: [7] })])).toThrow(
      'Phase 9 requires phase 7, which is not registered',
    );
  });

  it('refuses a requirement on a later phase or on itself', () => {
    expect(() => assertConsistentPhases([phase(7, { requires: [9] }), phase(9)])).toThrow(
      'Phase 7 requires phase 9, which is not below it',
    );
    expect(() => assertConsistentPhases([phase(7, { requires: [7] })])).toThrow('not below it');
  });

  it('refuses two phases claiming one flag, table or number', () => {
    expect(() =>
      assertConsistentPhases([phase(7), phase(8, { flags: [{ key: 'p7_on', description: 'dup' }] })]),
    ).toThrow('flag "p7_on" is declared by both phase 7 and phase 8');
    expect(() =>
      assertConsistentPhases([phase(7), phase(8, { tables: [{ name: 'p7_log', rebuildable: false }] })]),
    ).toThrow('table "p7_log"');
    expect(() => assertConsistentPhases([phase(7), phase(7, { key: 'other', flags: [], tables: [] })])).toThrow(
      'phase number "7"',
    );
  });

  it('refuses a job gated by a flag its phase does not own', () => {
    const job = { name: 'j', description: 'd', cron: '* * * * *', flag: 'nope', run: async () => undefined };
    expect(() => assertConsistentPhases([phase(7, { jobs: [job] })])).toThrow('job j is gated by unknown flag nope');
  });
});
