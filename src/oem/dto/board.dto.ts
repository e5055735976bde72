import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString, Length, Max, Min } from 'class-validator';
import { OemStepStatus, OemTicketStatus } from '../entities/oem-job-ticket.entity.js';
import { ShadowKind } from '../entities/oem-shadow-result.entity.js';
import { Omittable } from '../../common/validation/omittable.js';
import { IsTimestamp } from '../../common/validation/timestamp.js';
import { DecimalInt } from '../../common/validation/decimal.js';

export class KanbanQuery {
  @ApiPropertyOptional({ example: 'ACME', description: "Only this customer's tickets" })
  @Omittable()
  @IsString()
  @Length(1, 64)
  customer?: string;
  @ApiPropertyOptional({ default: 100, maximum: 1000, description: 'Cards per column, most urgent first' })
  @Omittable()
  @DecimalInt()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

class KanbanStepDto {
  @ApiProperty() sequence!: number;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: OemStepStatus, description: 'pending (not started) or active' }) status!: OemStepStatus;
  @ApiProperty({ type: String, nullable: true }) nodeCode!: string | null;
}

class KanbanCardDto {
  @ApiProperty() ticketId!: number;
  @ApiProperty() customer!: string;
  @ApiProperty() externalRef!: string;
  @ApiProperty({ enum: OemTicketStatus }) status!: OemTicketStatus;
  @ApiProperty({ type: Date, nullable: true }) dueAt!: Date | null;
  @ApiProperty({ description: 'Due before now and not done' }) late!: boolean;
  @ApiProperty({ type: KanbanStepDto }) currentStep!: KanbanStepDto;
  @ApiProperty({ description: 'Steps behind the current one (done or skipped)' }) stepsDone!: number;
  @ApiProperty() stepCount!: number;
}

class KanbanColumnDto {
  @ApiProperty({ example: 'Welding', description: 'Tickets whose current step has this name' }) step!: string;
  @ApiProperty({ description: 'Open tickets in the column (cards holds at most `limit`)' }) count!: number;
  @ApiProperty({ type: [KanbanCardDto], description: 'Earliest due first, undated last' }) cards!: KanbanCardDto[];
}

export class KanbanDto {
  @ApiProperty({ type: String, nullable: true }) customer!: string | null;
  @ApiProperty() generatedAt!: Date;
  @ApiProperty({
    type: [KanbanColumnDto],
    description: 'In step order (the lowest sequence at which the step name occurs)',
  })
  columns!: KanbanColumnDto[];
}

export class ShadowReportQuery {
  @ApiPropertyOptional({ example: '2030-01-01T00:00:00Z', description: 'Only scans recorded since then' })
  @Omittable()
  @IsTimestamp()
  since?: Date;
  @ApiPropertyOptional({ default: 5, maximum: 50, description: 'Examples per discrepancy kind' })
  @Omittable()
  @DecimalInt()
  @IsInt()
  @Min(0)
  @Max(50)
  examples?: number;
}

class ShadowExampleDto {
  @ApiProperty() id!: number;
  @ApiProperty({ enum: ShadowKind }) kind!: ShadowKind;
  @ApiProperty() stationCode!: string;
  @ApiProperty() barcode!: string;
  @ApiProperty() recordedAt!: Date;
  @ApiProperty({
    description: 'What manual mode did: action, tokenId, serial, nodeCode, ops',
    type: 'object',
    additionalProperties: true,
  })
  manual!: Record<string, unknown>;
  @ApiProperty({
    description:
      'What OEM mode would have done: outcome (apply or refused), the ticket and step, tokenId, nodeCode, ops; or the refusal code and message',
    type: 'object',
    additionalProperties: true,
  })
  oem!: Record<string, unknown>;
}

export class ShadowReportDto {
  @ApiProperty({ type: Date, nullable: true }) since!: Date | null;
  @ApiProperty({ description: 'Scans the shadow run recorded' }) total!: number;
  @ApiProperty({ description: 'Scans no OEM rule takes: OEM mode would run the manual path for them too' })
  notOem!: number;
  @ApiProperty({ description: 'Scans OEM mode would have handled (total - notOem)' }) compared!: number;
  @ApiProperty({
    description:
      'Of those, where OEM mode would have moved the same token the same way, or refused the scan as manual mode did',
  })
  agreed!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 0.97,
    description: 'agreed / compared; null before any comparable scan',
  })
  agreementRate!: number | null;
  @ApiProperty({
    description: `Counts by discrepancy kind: ${Object.values(ShadowKind)
      .filter((k) => k !== ShadowKind.Agree && k !== ShadowKind.NotOem)
      .join(', ')}`,
    type: 'object',
    additionalProperties: { type: 'number' },
  })
  discrepancies!: Record<string, number>;
  @ApiProperty({ type: [ShadowExampleDto], description: 'The latest examples of each discrepancy kind' })
  examples!: ShadowExampleDto[];
}
