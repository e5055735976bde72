/** FEATURE_FLAGS_FORCE_OFF: `all`, or a comma-separated list of flag keys. */
export class KillSwitch {
  private readonly all: boolean;
  private readonly keys: Set<string>;

  constructor(setting: string) {
    const parts = setting
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    this.all = parts.includes('all');
    this.keys = new Set(parts);
  }

  forcesOff(key: string): boolean {
    return this.all || this.keys.has(key);
  }

  describe(): string {
    return this.all ? 'FEATURE_FLAGS_FORCE_OFF=all' : 'FEATURE_FLAGS_FORCE_OFF lists this flag';
  }
}
