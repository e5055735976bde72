import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

const MAX_ID = 2_147_483_647;

/** Path ids validated like bodies, so a bad id gets a per-field 400 too. */
export class IdParam {
  @ApiProperty({ example: 1 }) @Type(() => Number) @IsInt() @Min(1) @Max(MAX_ID) id!: number;
}

export class JobNodeParams {
  @ApiProperty({ example: 1 }) @Type(() => Number) @IsInt() @Min(1) @Max(MAX_ID) id!: number;
  @ApiProperty({ example: 3 }) @Type(() => Number) @IsInt() @Min(1) @Max(MAX_ID) nodeId!: number;
}
