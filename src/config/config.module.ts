import { ConfigModule, ConfigService } from '@nestjs/config';
import { Environment, EnvironmentInput, validateEnvironment } from './environment.js';

export type AppConfig = ConfigService<Environment, true>;

/**
 * The validated Environment as Nest's global configuration. `overrides` lets tests and
 * benchmarks boot the real AppModule with their own values.
 */
export function configModule(overrides: EnvironmentInput = {}) {
  return ConfigModule.forRoot({
    isGlobal: true,
    ignoreEnvFile: true,
    cache: true,
    validate: (raw) => ({ ...validateEnvironment({ ...raw, ...overrides }) }),
  });
}

/** The whole validated Environment, for code that needs many settings at once. */
export function environmentOf(config: ConfigService<Environment, true>): Environment {
  const env = new Environment();
  for (const key of Object.keys(env) as Array<keyof Environment>) {
    Object.assign(env, { [key]: config.get(key, { infer: true }) });
  }
  return env;
}
