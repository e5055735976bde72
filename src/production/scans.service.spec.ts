import type { ConfigService } from '@nestjs/config';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import type { Environment } from '../config/environment.js';
import type { AccountsService } from './accounts.service.js';
import { TokenStatus } from './entities/token.entity.js';
import { fakeDataSource, type Transactional } from './fake-data-source.fixture.js';
import type { GraphTopologyCache } from './graph-topology.js';
import type { ScanHook } from './hooks/scan-hook.js';
import type { RememberedScan, ScanKey, ScanRecordRepository } from './scan-record.repository.js';
import type { ScanInput, ScanResult } from './scan.types.js';
import { ScansService } from './scans.service.js';
import type { TokenLifecycleService } from './token-lifecycle.service.js';
import type { TokenStore } from './token-store.js';

const WINDOW_MS = 2000;

/** scan_record in memory, with the repository's claim rule: claimable when last scanned at or before `lastBefore`. */
class FakeScanRecords implements Pick<ScanRecordRepository, 'ensure' | 'claim' | 'remember' | 'last'>, Transactional {
  readonly rows = new Map<string, RememberedScan>();

  begin(): () => void {
    const saved = new Map([...this.rows].map(([k, v]) => [k, { ...v }]));
    return () => {
      this.rows.clear();
      for (const [k, v] of saved) this.rows.set(k, v);
    };
  }

  async ensure(key: ScanKey): Promise<void> {
    if (!this.rows.has(id(key))) this.rows.set(id(key), { result: null, scannedAt: new Date(0) });
  }

  async claim(_em: unknown, key: ScanKey, now: Date, lastBefore: Date): Promise<boolean> {
    const row = this.rows.get(id(key));
    if (!row || row.scannedAt > lastBefore) return false;
    row.scannedAt = now;
    return true;
  }

  async remember(_em: unknown, key: ScanKey, result: ScanResult): Promise<void> {
    this.rows.get(id(key))!.result = result;
  }

  async last(key: ScanKey): Promise<RememberedScan | null> {
    const row = this.rows.get(id(key));
    return row ? { ...row } : null;
  }

  /** Moves the last accepted scan `ms` into the past. */
  age(key: ScanKey, ms: number): void {
    const row = this.rows.get(id(key))!;
    row.scannedAt = new Date(row.scannedAt.getTime() - ms);
  }
}

const id = (key: ScanKey) => `${key.stationCode}|${key.barcode}`;

/** A pre-handler that takes every scan: the manual path, and so the token tables, stay out of these tests. */
class FakePreHandler implements Pick<ScanHook, 'handle' | 'observe' | 'observeFailure'> {
  handled = 0;
  failures: unknown[] = [];
  next: () => ScanResult = () => started(this.handled);

  async handle(): Promise<ScanResult> {
    this.handled++;
    return this.next();
  }
  async observe(): Promise<void> {}
  async observeFailure(_scan: ScanInput, error: unknown): Promise<void> {
    this.failures.push(error);
  }
}

const started = (version: number): ScanResult => ({
  handledBy: 'fake',
  action: 'started',
  token: { id: 1, serial: 'J-0001', status: TokenStatus.InProgress, nodeCode: 'CUT', version },
});
const SCAN: ScanInput = { stationCode: 'ST-CUT', barcode: 'J-0001', outcome: 'pass' };
const KEY: ScanKey = { stationCode: SCAN.stationCode, barcode: SCAN.barcode };
/** The manual path's collaborators: a test that reaches them is wrong. */
const unused = new Proxy(
  {},
  {
    get: (_target, name) => {
      throw new Error(`the manual path was taken (${String(name)})`);
    },
  },
);

function setup() {
  const records = new FakeScanRecords();
  const hook = new FakePreHandler();
  const metrics = new MetricsService();
  const config = { get: () => WINDOW_MS } as unknown as ConfigService<Environment, true>;
  const service = new ScansService(
    fakeDataSource(records),
    records as unknown as ScanRecordRepository,
    hook as unknown as ScanHook,
    unused as TokenStore,
    unused as GraphTopologyCache,
    unused as TokenLifecycleService,
    unused as AccountsService,
    config,
    metrics,
  );
  const counted = async () =>
    Object.fromEntries(
      (await metrics.registry.getSingleMetric('production_scans_total')!.get()).values.map((v) => [
        String(v.labels.result),
        v.value,
      ]),
    );
  return { service, records, hook, counted };
}

const refusalOf = (error: unknown) => ({ code: (error as DomainError).code, details: (error as DomainError).details });

describe('ScansService de-duplication (against an in-memory scan_record)', () => {
  it('accepts a first scan and remembers its result', async () => {
    const { service, records, hook } = setup();
    const answer = await service.scan(SCAN);
    expect(answer).toMatchObject({ ...started(1), duplicate: false });
    expect(hook.handled).toBe(1);
    expect((await records.last(KEY))!.result).toEqual(started(1));
  });

  it('answers a repeat inside the window with the first result and time, without handling it again', async () => {
    const { service, records, hook, counted } = setup();
    const first = await service.scan(SCAN);
    records.age(KEY, WINDOW_MS / 2);
    const repeat = await service.scan(SCAN);
    expect(hook.handled).toBe(1);
    expect(repeat).toEqual({
      ...started(1),
      duplicate: true,
      scannedAt: new Date(first.scannedAt.getTime() - WINDOW_MS / 2),
    });
    expect(await counted()).toEqual({ accepted: 1, duplicate: 1 });
  });

  it('accepts the same barcode again once the window has passed, and at another station at once', async () => {
    const { service, records, hook } = setup();
    await service.scan(SCAN);
    expect((await service.scan({ ...SCAN, stationCode: 'ST-WELD' })).duplicate).toBe(false);
    records.age(KEY, WINDOW_MS + 1);
    const again = await service.scan(SCAN);
    expect(again).toMatchObject({ ...started(3), duplicate: false });
    expect(hook.handled).toBe(3);
  });

  it('answers a remembered refusal as its error, the first time and on every repeat', async () => {
    const { service, hook, counted } = setup();
    hook.next = () => ({
      handledBy: 'fake',
      action: 'refused',
      token: null,
      refusal: { code: ErrorCode.NoSuchEdge, message: 'no rule', details: { rule: 'none' } },
    });
    const first = await service.scan(SCAN).catch((e: unknown) => e);
    const repeat = await service.scan(SCAN).catch((e: unknown) => e);
    expect(refusalOf(first)).toEqual({ code: ErrorCode.NoSuchEdge, details: { rule: 'none', duplicate: false } });
    expect(refusalOf(repeat)).toEqual({ code: ErrorCode.NoSuchEdge, details: { rule: 'none', duplicate: true } });
    expect(hook.handled).toBe(1);
    expect(await counted()).toEqual({ refused: 1, duplicate: 1 });
  });

  it('lets a scan whose handling failed be repeated at once: the claim rolls back with it', async () => {
    const { service, hook } = setup();
    const failure = new DomainError(ErrorCode.InvalidState, 'token is done');
    hook.next = () => {
      throw failure;
    };
    await expect(service.scan(SCAN)).rejects.toBe(failure);
    expect(hook.failures).toEqual([failure]);
    hook.next = () => started(2);
    expect(await service.scan(SCAN)).toMatchObject({ ...started(2), duplicate: false });
  });

  it('answers 409 to a repeat of a scan still being processed elsewhere (claimed, no result yet)', async () => {
    const { service, records, hook } = setup();
    records.rows.set(id(KEY), { result: null, scannedAt: new Date() });
    const error = await service.scan(SCAN).catch((e: unknown) => e);
    expect((error as DomainError).code).toBe(ErrorCode.ConcurrentUpdate);
    expect(hook.handled).toBe(0);
  });
});
