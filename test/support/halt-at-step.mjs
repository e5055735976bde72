// Fault injection for test/faults-rollback.e2e-spec.ts, preloaded into the real CLI with
// `node --import`: it freezes the process (SIGSTOP) at a chosen point of a rollback, so the
// test can SIGKILL it exactly there. The CLI's code is untouched; the same module instances
// are patched because ES modules are loaded once per URL.
//
// FAULT_HALT=<step>: after that phase step's work, before the log records it done; for the
// closing `log` step, once the log records it running.
import { RollbackLog } from '../../dist/src/phases/rollback/rollback-log.service.js';
import { RollbackSteps } from '../../dist/src/phases/rollback/rollback-steps.service.js';

const step = process.env.FAULT_HALT;
const halt = () => process.kill(process.pid, 'SIGSTOP');

if (step === 'log') {
  const save = RollbackLog.prototype.save;
  RollbackLog.prototype.save = async function (entry) {
    await save.call(this, entry);
    if (entry.steps.find((s) => s.name === 'log')?.status === 'running') halt();
  };
} else if (step) {
  const run = RollbackSteps.prototype.run;
  RollbackSteps.prototype.run = async function (name, ...rest) {
    const outcome = await run.call(this, name, ...rest);
    if (name === step) halt();
    return outcome;
  };
}
