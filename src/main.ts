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
  const app = await createApp();
  await app.listen(env.PORT, env.HOST);
  const base = `http://localhost:${env.PORT}`;
  new Logger('Phasegate').log(`listening: API ${base}/api/v1, docs ${base}/docs, health ${base}/health/ready`);
}

void main();
