import { Injectable, Logger } from '@nestjs/common';
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

/** The port through which another module handles scans before the manual path; at most one. */
@Injectable()
export class ScanHook {
  private readonly logger = new Logger(ScanHook.name);
  private handler: ScanPreHandler | null = null;

  /** Call from the other module's onModuleInit. */
  register(handler: ScanPreHandler): void {
    if (this.handler && this.handler !== handler) throw new Error(`Scan handler ${this.handler.name} is already registered; cannot add ${handler.name}`);
    this.handler = handler;
    this.logger.log(`scan pre-handler ${handler.name} registered`);
  }

  unregister(handler: ScanPreHandler): void {
    if (this.handler === handler) this.handler = null;
  }

  handle(scan: ScanInput, manager: EntityManager): Promise<ScanResult | null> {
    return this.handler ? this.handler.handle(scan, manager) : Promise.resolve(null);
  }

  async observe(scan: ScanInput, result: ScanResult, manager: EntityManager): Promise<void> {
    await this.handler?.observe?.(scan, result, manager);
  }

  async observeFailure(scan: ScanInput, error: unknown): Promise<void> {
    await this.handler?.observeFailure?.(scan, error);
  }
}
