import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import './request-context.js';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Echoes a sane client-sent x-request-id, otherwise mints one; every response carries it.
 * Installed before the body parser, so even a malformed body gets an id.
 */
export function requestId(req: Request, res: Response, next: NextFunction): void {
  const sent = req.header('x-request-id');
  req.id = sent && SAFE_ID.test(sent) ? sent : randomUUID();
  res.setHeader('x-request-id', req.id);
  next();
}
