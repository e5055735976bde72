import { Injectable } from '@nestjs/common';
import { ExtensionPoint, ExtensionRegistry } from '../../common/extension/extension-point.js';
import type { EntityManager } from 'typeorm';
import type { ScanInput, ScanResult } from '../scan.types.js';

/**
 * A scan pre-handler (Phase 8 OEM). It sees each accepted (non-duplicate) scan first, inside
 * the scan's transaction, and returns its result, or null to let the manual scan path run.
 * It owns its flag checks and its fallback.
 */
export interface ScanPreHandler {
  readonly name: string;
  handle(scan: ScanInput, manager: EntityManager): Promise<ScanResult | null>;
  /** Sees what the manual path did with a scan `handle` left to it, in the same transaction (a shadow run records it). */
  observe?(scan: ScanInput, result: ScanResult, manager: EntityManager): Promise<void>;
  /** Sees a scan whose transaction failed, with the error, once it has rolled back, outside any transaction (a shadow run records what manual mode refused). Must not throw. */
  observeFailure?(scan: ScanInput, error: unknown): Promise<void>;
}

/** Where another module (Phase 8) handles scans before the manual path: @Extends(SCAN_PRE_HANDLER), at most one. */
export const SCAN_PRE_HANDLER = new ExtensionPoint<ScanPreHandler>('scan pre-handler', 'one');

/** The core's side of the port: asks the handler plugged in, if any. */
@Injectable()
export class ScanHook {
  constructor(private readonly extensions: ExtensionRegistry) {}

  handle(scan: ScanInput, manager: EntityManager): Promise<ScanResult | null> {
    return this.extensions.one(SCAN_PRE_HANDLER)?.handle(scan, manager) ?? Promise.resolve(null);
  }

  async observe(scan: ScanInput, result: ScanResult, manager: EntityManager): Promise<void> {
    await this.extensions.one(SCAN_PRE_HANDLER)?.observe?.(scan, result, manager);
  }

  async observeFailure(scan: ScanInput, error: unknown): Promise<void> {
    await this.extensions.one(SCAN_PRE_HANDLER)?.observeFailure?.(scan, error);
  }
}
