import type { RolloutPlan } from './rollout-plan.repository.js';
import { describeStage } from './rollout-stages.js';

/**
 * The guard's pause notice, shaped like the rollback notices (the factory's template: status,
 * summary, impact, next steps, contact, plain text) so one receiver reads both.
 */
export interface RolloutPauseNotice {
  noticeId: string;
  noticeStatus: 'PAUSED';
  subject: string;
  plan: number;
  phase: number;
  stage: string;
  reason: string;
  actor: string;
  summary: string;
  impact: string;
  nextSteps: string[];
  contact: string;
  text: string;
}

export function pauseNotice(
  plan: RolloutPlan,
  phaseTitle: string,
  reason: string,
  at: Date,
  contact: string,
): RolloutPauseNotice {
  const stage = describeStage(plan.stages[plan.currentStage]);
  const label = `Phase ${String(plan.phase)} (${phaseTitle})`;
  const notice: Omit<RolloutPauseNotice, 'text'> = {
    noticeId: `rollout-${String(plan.id)}-paused-${String(at.getTime())}`,
    noticeStatus: 'PAUSED',
    subject: `[PAUSED] Rollout of ${label} held at stage ${String(plan.currentStage + 1)} (${stage})`,
    plan: plan.id,
    phase: plan.phase,
    stage,
    reason,
    actor: 'guard',
    summary: `The rollout guard held the rollout of ${label} at ${stage}: ${reason}`,
    impact: `The stage stays as it is (${stage}); nothing advances until someone resumes or aborts the plan`,
    nextSteps: [
      `Look at the evidence: rollout status --phase ${String(plan.phase)}`,
      `Resume when understood: rollout resume --phase ${String(plan.phase)} --reason "..."`,
      `Or roll the phase back: rollback --phase ${String(plan.phase)} --reason "..."`,
    ],
    contact,
  };
  const text = [
    notice.subject,
    '',
    `Summary: ${notice.summary}`,
    `Impact: ${notice.impact}`,
    'Next steps:',
    ...notice.nextSteps.map((s) => `- ${s}`),
    `Contact: ${contact}`,
  ].join('\n');
  return { ...notice, text };
}
