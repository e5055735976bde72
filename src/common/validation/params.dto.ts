import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { DecimalInt, MAX_ID } from './decimal.js';

/** Path ids validated like bodies, so a bad id gets a per-field 400 too. */
export class IdParam {
  @ApiProperty({ example: 1 }) @DecimalInt() @IsInt() @Min(1) @Max(MAX_ID) id!: number;
}

export class JobNodeParams {
  @ApiProperty({ example: 1 }) @DecimalInt() @IsInt() @Min(1) @Max(MAX_ID) id!: number;
  @ApiProperty({ example: 3 }) @DecimalInt() @IsInt() @Min(1) @Max(MAX_ID) nodeId!: number;
}
