// A liveness prober in a process of its own, so that the test process's own work (parsing a
// large response) never makes a probe look late. Until its stdin closes it asks
// `<url>/health/live` one request at a time, each with the 1 s timeout Kubernetes gives a
// probe by default; then it prints {probes, failures, worstMs} as one JSON line.
const url = `${process.argv[2]}/health/live`;
let stopped = false;
process.stdin.on('end', () => (stopped = true));
process.stdin.resume();

const failures = [];
let probes = 0;
let worstMs = 0;
while (!stopped) {
  const started = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    if (res.status !== 200) failures.push(`HTTP ${res.status}`);
  } catch (error) {
    failures.push(String(error));
  }
  worstMs = Math.max(worstMs, performance.now() - started);
  probes++;
  await new Promise((resolve) => setTimeout(resolve, 50));
}
process.stdout.write(`${JSON.stringify({ probes, failures, worstMs: Math.round(worstMs) })}\n`);
