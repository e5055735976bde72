import { DynamicModule, Global, INestApplicationContext, Module } from '@nestjs/common';
import type { EnvironmentInput } from '../../../config/environment.js';

/**
 * Starts the whole application (without HTTP) on other settings: the drill runs the real
 * rollback, roll forward and restore on its copy this way. Declared here, provided by the
 * composition root (app.module.ts), which alone knows how the application is put together.
 */
export type ScratchAppFactory = (env: EnvironmentInput) => Promise<INestApplicationContext>;

export const SCRATCH_APP = Symbol('SCRATCH_APP');

@Global()
@Module({})
export class ScratchAppModule {
  static forRoot(factory: ScratchAppFactory): DynamicModule {
    return {
      module: ScratchAppModule,
      providers: [{ provide: SCRATCH_APP, useValue: factory }],
      exports: [SCRATCH_APP],
    };
  }
}
