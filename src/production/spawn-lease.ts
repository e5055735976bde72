import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LeaseTable } from '../database/lease.js';

/** Renewed every third while a spawn runs; a spawner that died frees the job this long after. */
const TTL_MS = 30_000;

/**
 * One spawn per job at a time, across replicas: a spawn inserts its tokens over several
 * transactions, so the job row cannot say who is spawning it until the last one. The lease
 * row lives in the core's job_lease table, named by the job.
 */
@Injectable()
export class SpawnLease {
  private readonly lease: LeaseTable;

  constructor(dataSource: DataSource) {
    this.lease = new LeaseTable(dataSource, 'job_lease');
  }

  /** Runs `work` holding the job's spawn lease; false when another spawn of the job holds it. */
  async hold<T>(jobId: number, work: () => Promise<T>): Promise<{ acquired: true; value: T } | { acquired: false }> {
    return this.lease.hold(`spawn:${jobId}`, TTL_MS, work);
  }
}
