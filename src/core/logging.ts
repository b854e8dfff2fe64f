import { destination, pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stderr, so stdout stays for command output. */
export function createLogger(level: string): Logger {
  return pino({ level, redact: ['req.headers.authorization', 'headers.authorization'] }, destination(2));
}
