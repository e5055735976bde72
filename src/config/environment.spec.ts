import { validateEnvironment } from './environment.js';

describe('validateEnvironment', () => {
  it('applies defaults: SQLite under .data, JSON logs in production', () => {
    const env = validateEnvironment({});
    expect(env).toMatchObject({
      PORT: 3000,
      DB_TYPE: 'sqlite',
      DB_PATH: '.data/phasegate.sqlite',
      LOG_FORMAT: 'json',
      APP_MODE: 'normal',
    });
  });

  it('logs pretty lines in development unless told otherwise', () => {
    expect(validateEnvironment({ NODE_ENV: 'development' }).LOG_FORMAT).toBe('pretty');
    expect(validateEnvironment({ NODE_ENV: 'development', LOG_FORMAT: 'json' }).LOG_FORMAT).toBe('json');
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DB_TYPE', 'postgres'],
    ['LOG_FORMAT', 'xml'],
    ['APP_MODE', 'frozen'],
    ['DB_URL', 'not a url'],
    ['MIGRATE_ON_START', 'ture'],
    ['BODY_LIMIT', 'lots'],
  ])('refuses %s=%s and names the variable', (key, value) => {
    expect(() => validateEnvironment({ [key]: value })).toThrow(new RegExp(`^Invalid environment:\\n  ${key}: `));
  });

  it('reads booleans and body sizes in their usual spellings', () => {
    expect(validateEnvironment({ MIGRATE_ON_START: 'off' }).MIGRATE_ON_START).toBe(false);
    expect(validateEnvironment({ MIGRATE_ON_START: 'TRUE' }).MIGRATE_ON_START).toBe(true);
    expect(validateEnvironment({ BODY_LIMIT: '1mb' }).BODY_LIMIT).toBe('1mb');
    expect(validateEnvironment({ BODY_LIMIT: '2048' }).BODY_LIMIT).toBe('2048');
  });

  it('ignores variables it does not know', () => {
    expect(() => validateEnvironment({ HOME: '/root', PATH: '/bin' })).not.toThrow();
  });
});
