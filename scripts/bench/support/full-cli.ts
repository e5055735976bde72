import { runAdminCli } from '../../../src/admin-cli.js';

/** The admin CLI with the application booted for every command: the emergency's full path, for bench:framework to compare with the lean one. */
await runAdminCli();
