/**
 * How people name a setting: its config key and the environment variable that overrides it. Apart
 * from config.ts so that code which must not load the config schema (the agents' HTTP helpers) can
 * name settings in its errors too.
 */

/** The environment variable that overrides a config key: kafka.groupId -> ORDERSCOPE_KAFKA_GROUP_ID. */
export function envName(path: readonly string[]): string {
  return ['ORDERSCOPE', ...path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2'))].join('_').toUpperCase();
}

/** A setting as an error message names it: `tracker.port (ORDERSCOPE_TRACKER_PORT)`. */
export function settingName(path: readonly string[]): string {
  return `${path.join('.')} (${envName(path)})`;
}
