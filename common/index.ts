export { OrderscopeError, ValidationError, ConfigError, UnavailableError, isRetriable, describeError } from './errors';
export { retry, sleep } from './retry';
export type { RetryOptions } from './retry';
export { parseDuration, formatDuration } from './duration';
export { createLogger, silentLogger } from './logger';
export type { Logger, LoggerExtras } from './logger';
export { loadConfig, configSchema, envName, hashToken } from './config';
export type { Config, TokenConfig, LoadConfigOptions } from './config';
export { PROJECT_ROOT } from './paths';
