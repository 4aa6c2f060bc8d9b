import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * The JSON logger of every orderscope process. Secrets are redacted by path so that a token can
 * never reach a log line, even when a whole request or config object is logged by mistake.
 */
export function createLogger(name: string, level: string = process.env.ORDERSCOPE_LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name,
    level,
    base: { service: name },
    redact: {
      paths: [
        'token',
        '*.token',
        'authorization',
        '*.authorization',
        'headers.authorization',
        'req.headers.authorization',
        'config.tokens',
        'password',
        '*.password',
      ],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/** A logger that writes nothing, for tests and library defaults. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
