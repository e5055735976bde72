import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { PROJECT_ROOT } from '../../src/config/project-root.js';

export interface ProbeResult {
  probes: number;
  /** what each failed probe got: a status other than 200, or the timeout */
  failures: string[];
  /** the slowest probe; for the benchmark's figures, never for an assertion */
  worstMs: number;
}

/** Probes the server's liveness (see liveness-probe.mjs) while `work` runs. */
export async function whileProbed<T>(url: string, work: () => Promise<T>): Promise<{ value: T; probe: ProbeResult }> {
  const child = spawn(process.execPath, [resolve(PROJECT_ROOT, 'test/support/liveness-probe.mjs'), url], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  try {
    return { value: await work(), probe: await finish() };
  } catch (error) {
    await finish().catch(() => undefined);
    throw error;
  }

  async function finish(): Promise<ProbeResult> {
    child.stdin.end();
    const code = await exited;
    if (code !== 0) throw new Error(`the liveness prober exited with ${code}: ${out}`);
    return JSON.parse(out) as ProbeResult;
  }
}
