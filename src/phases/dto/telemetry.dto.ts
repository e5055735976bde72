import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { DecimalInt } from '../../common/validation/decimal.js';
import { Omittable } from '../../common/validation/omittable.js';
import { IsTimestamp } from '../../common/validation/timestamp.js';
import { LATENCY_BOUNDS_MS } from '../telemetry/latency-histogram.js';
import { MAX_STEPS, MAX_TELEMETRY_DAYS } from '../telemetry/telemetry-read.service.js';

const PATHS = ['new', 'legacy', 'fallback'];
const HISTOGRAM = `Calls per latency bucket, not cumulative: at most ${LATENCY_BOUNDS_MS.join(', ')} ms, then above`;

export class TelemetryQuery {
  @ApiProperty({ example: 7 }) @DecimalInt() @IsInt() @Min(1) @Max(1000) phase!: number;

  @ApiPropertyOptional({
    example: '2030-03-05T08:00:00Z',
    description: 'Default: 24 hours before `to`; rounded down to the minute',
  })
  @Omittable()
  @IsTimestamp()
  from?: Date;

  @ApiPropertyOptional({
    example: '2030-03-06T08:00:00Z',
    description: 'Exclusive; default now; rounded up to the minute',
  })
  @Omittable()
  @IsTimestamp()
  to?: Date;

  @ApiPropertyOptional({
    description: `Minutes per step of the series; default: the range in at most 240 steps. At most ${MAX_STEPS} steps`,
    minimum: 1,
    maximum: MAX_TELEMETRY_DAYS * 1440,
  })
  @Omittable()
  @DecimalInt()
  @IsInt()
  @Min(1)
  @Max(MAX_TELEMETRY_DAYS * 1440)
  step?: number;
}

export class TelemetryPointDto {
  @ApiProperty({ description: 'The step start' }) at!: string;
  @ApiProperty({ description: 'The step start in Unix epoch minutes' }) minute!: number;
  @ApiProperty({ enum: PATHS }) path!: string;
  @ApiProperty() calls!: number;
  @ApiProperty({ description: 'Calls that threw to their caller' }) errors!: number;
  @ApiProperty({
    description: "Calls that ran the legacy path after the new one failed or declined (the fallback path's calls)",
  })
  fallbacks!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Estimated from the histogram; null without calls' })
  p95Ms!: number | null;
}

export class TelemetryTotalsDto {
  @ApiProperty() operation!: string;
  @ApiProperty({ enum: PATHS }) path!: string;
  @ApiProperty({ description: "The decline reason or `error` on the fallback path; '' otherwise" }) reason!: string;
  @ApiProperty() calls!: number;
  @ApiProperty() errors!: number;
  @ApiProperty() latencyMsSum!: number;
  @ApiProperty({ type: [Number], description: HISTOGRAM }) histogram!: number[];
}

export class TelemetrySignalDto {
  @ApiProperty({ example: 'shadow_agree' }) signal!: string;
  @ApiProperty({ description: 'Events (a counter) or samples (a gauge)' }) count!: number;
  @ApiProperty({ description: "A gauge's samples summed" }) sum!: number;
  @ApiProperty({ description: "A gauge's largest sample" }) max!: number;
}

export class TelemetryDto {
  @ApiProperty() phase!: number;
  @ApiProperty() from!: string;
  @ApiProperty({ description: 'Exclusive' }) to!: string;
  @ApiProperty() stepMinutes!: number;
  @ApiProperty({ type: [Number], description: "The histograms' bucket bounds (ms); the last bucket is open" })
  latencyBoundsMs!: number[];
  @ApiProperty({ type: [TelemetryPointDto], description: 'Every step, each with the three paths' })
  series!: TelemetryPointDto[];
  @ApiProperty({ type: [TelemetryTotalsDto], description: 'The whole range per operation, path and reason' })
  totals!: TelemetryTotalsDto[];
  @ApiProperty({ type: [TelemetrySignalDto], description: "The phase's domain signals over the range" })
  signals!: TelemetrySignalDto[];
}
