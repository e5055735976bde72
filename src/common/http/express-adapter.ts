import { ExpressAdapter } from '@nestjs/platform-express';

/**
 * Nest answers an unknown path with its JSON error only under the global prefix; any other
 * path (`/foo`, `//api/v1/graphs`) fell through to Express's HTML "Cannot GET". Its not-found
 * handler is mounted at the root as well, after every route and static file, so every error
 * body everywhere is the documented JSON.
 */
export class PhasegateExpressAdapter extends ExpressAdapter {
  override setNotFoundHandler(
    ...args: Parameters<ExpressAdapter['setNotFoundHandler']>
  ): ReturnType<ExpressAdapter['setNotFoundHandler']> {
    const result: unknown = super.setNotFoundHandler(...args);
    if (args[1]) this.use(args[0]);
    return result;
  }
}
