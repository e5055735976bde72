import { KillSwitch } from './kill-switch.js';

describe('KillSwitch', () => {
  it('forces nothing off when empty', () => {
    expect(new KillSwitch('').forcesOff('enable_oem_mode')).toBe(false);
  });

  it('forces listed keys off, tolerating spaces', () => {
    const ks = new KillSwitch(' enable_oem_mode , oem_shadow_run');
    expect(ks.forcesOff('enable_oem_mode')).toBe(true);
    expect(ks.forcesOff('oem_shadow_run')).toBe(true);
    expect(ks.forcesOff('enable_production_dashboard')).toBe(false);
  });

  it('forces every key off with all', () => {
    expect(new KillSwitch('all').forcesOff('anything')).toBe(true);
  });
});
