import type { RequestHandler } from 'express';

/** The batch endpoints, which take bodies up to BATCH_BODY_LIMIT (every other route: 1 MB). */
export const BATCH_PATHS = ['/v1/list-entries/batch', '/v1/list-entries/removals/batch'];
export const BATCH_BODY_LIMIT = '50mb';
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** Bodies read as bytes (never decoded by the body parser, which would trust a missing or wrong charset). */
export const BATCH_BYTE_TYPES = ['text/csv', XLSX_TYPE];

/**
 * The bytes of a CSV or workbook, handed on as a latin1 string: one character per byte, losslessly turned back into
 * the bytes by the handler. openapi-backend validates a string body as the `{ type: string }` its spec declares,
 * where a Buffer would be taken for a JSON value.
 */
export const bytesAsString: RequestHandler = (req, _res, next) => {
  if (Buffer.isBuffer(req.body)) req.body = (req.body as Buffer).toString('latin1');
  next();
};
