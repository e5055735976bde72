import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { EnvironmentError, readEnvironment } from './config/environment.js';

async function main(): Promise<void> {
  let env;
  try {
    env = readEnvironment();
  } catch (error) {
    if (error instanceof EnvironmentError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = new Logger('Phasegate');
  try {
    const app = await createApp();
    await app.listen(env.PORT, env.HOST);
    // PORT=0 binds a free port: report the one actually bound
    const { port } = app.getHttpServer().address() as AddressInfo;
    const base = `http://localhost:${port}`;
    logger.log(`listening: API ${base}/api/v1, docs ${base}/docs, health ${base}/health/ready`);
  } catch (error) {
    // the database unreachable, the port taken, a migration failing: one line naming the
    // cause (the stack goes to the log) and a non-zero exit, not an unhandled rejection
    const err = error instanceof Error ? error : new Error(String(error));
    logger.error(`failed to start: ${err.message}`, err.stack);
    process.exit(1);
  }
}

void main();
