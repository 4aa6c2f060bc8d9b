import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** What a caller may add to the standard logger: fields merged into every line, and where lines go (stdout by default). */
export interface LoggerExtras {
  mixin?: LoggerOptions['mixin'];
  destination?: DestinationStream;
}

/**
 * The JSON logger of every orderscope process. Secrets are redacted by path so that a token can
 * never reach a log line, even when a whole request or config object is logged by mistake.
 */
export function createLogger(name: string, level: string = process.env.ORDERSCOPE_LOG_LEVEL ?? 'info', extras: LoggerExtras = {}): Logger {
  const options: LoggerOptions = {
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
    ...(extras.mixin && { mixin: extras.mixin }),
  };
  return extras.destination ? pino(options, extras.destination) : pino(options);
}

/** A logger that writes nothing, for tests and library defaults. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
