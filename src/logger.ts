import pino, { type Logger } from 'pino';
import type { Config } from './config';
import { redactIdNumbers } from './identity/id-number';

/**
 * The service's logger. Bodies are never logged and the access log masks URLs (src/http/request-log.ts); as the
 * last line of defence every written line is scanned and any full ID number in it masked, whatever logged it
 * (an error message, a driver's detail, a field a future change adds).
 */
export function createLogger(level: Config['logLevel'], destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    redact: ['req.headers.authorization', 'idNumber', '*.idNumber'],
    hooks: { streamWrite: (line: string) => redactIdNumbers(line) },
  };
  return destination ? pino(options, destination) : pino(options);
}
