import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorCode } from './error-code.js';

class FieldErrorDto {
  @ApiProperty({ example: 'quantity' }) field!: string;
  @ApiProperty({ type: [String], example: ['quantity must not be less than 1'] }) messages!: string[];
}

/** The body of every error response. */
export class ErrorResponseDto {
  @ApiProperty({ enum: ErrorCode, enumName: 'ErrorCode' }) code!: ErrorCode;
  @ApiProperty({ example: 'Validation failed' }) message!: string;
  @ApiProperty({ example: '5f0c6f3e-2b7a-4d8e-9c39-1f6f1f0d9a10' }) requestId!: string;
  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'Per-field messages (400 only)' })
  errors?: FieldErrorDto[];
}
