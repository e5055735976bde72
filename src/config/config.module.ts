import { ConfigModule, ConfigService } from '@nestjs/config';
import { Environment, EnvironmentInput, readEnvironment } from './environment.js';

export type AppConfig = ConfigService<Environment, true>;

/**
 * The validated Environment as Nest's global configuration. `overrides` lets tests and
 * benchmarks boot the real AppModule with their own values.
 */
export function configModule(overrides: EnvironmentInput = {}) {
  // Loaded rather than passed through `validate`: @nestjs/config copies validated values
  // back into process.env, which would leak one app's overrides into the next one started
  // in the same process (tests, benchmarks) and let process.env shadow the validated values.
  return ConfigModule.forRoot({
    isGlobal: true,
    ignoreEnvFile: true,
    validatePredefined: false,
    skipProcessEnv: true,
    cache: true,
    load: [() => readEnvironment(overrides)],
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
