import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error.js';
import { JobStatus } from './entities/job-ticket.entity.js';
import type { JobProgressDto, LineDto } from './dto/floor.dto.js';
import { FloorRepository, type JobFilters, type NodeLoadRow } from './floor.repository.js';

const WINDOW_MINUTES = 60;
const CLOSED = new Set([JobStatus.Done, JobStatus.Cancelled]);

/** The line and the jobs as the shop floor watches them, from the core tables alone (no phase needed). */
@Injectable()
export class FloorService {
  constructor(private readonly floor: FloorRepository) {}

  async line(graphId: number, now = new Date()): Promise<LineDto> {
    const loads = await this.floor.nodeLoads(graphId, new Date(now.getTime() - WINDOW_MINUTES * 60_000));
    // a graph always has nodes, so none means no graph
    if (loads.length === 0) throw DomainError.notFound('Graph', graphId);
    return {
      graphId,
      at: now,
      windowMinutes: WINDOW_MINUTES,
      nodes: loads.map(({ finishedSince, ...load }) => ({ ...load, finished: finishedSince })),
      bottleneckNodeId: bottleneck(loads),
    };
  }

  async jobs(filters: JobFilters, limit: number, now = new Date()): Promise<JobProgressDto[]> {
    const rows = await this.floor.jobProgress(filters, limit);
    return rows.map((j) => ({ ...j, late: j.dueAt !== null && j.dueAt < now && !CLOSED.has(j.status) }));
  }
}

function bottleneck(loads: NodeLoadRow[]): number | null {
  let worst: NodeLoadRow | null = null;
  for (const load of loads) {
    if (load.waiting === 0) continue;
    if (
      !worst ||
      load.waiting > worst.waiting ||
      (load.waiting === worst.waiting && load.inProgress > worst.inProgress)
    )
      worst = load;
  }
  return worst?.nodeId ?? null;
}
