import { Controller, Get, Req } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiTags, ApiOperation } from '@nestjs/swagger';
import type { Request } from 'express';
import { Roles } from './auth.decorators.js';
import { Role } from './role.js';
import { requestKey } from './request-key.js';

class WhoAmIDto {
  @ApiProperty() id!: number;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: Role }) role!: Role;
}

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  /** Lets a client (the console's sign-in) check a key and learn its role. */
  @ApiOperation({ summary: 'The API key and role of the caller' })
  @Get('me')
  @Roles(Role.Viewer, Role.Station)
  @ApiOkResponse({ type: WhoAmIDto })
  me(@Req() req: Request): WhoAmIDto {
    return requestKey(req);
  }
}
