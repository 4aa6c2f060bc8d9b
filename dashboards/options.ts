import { DEFAULT_ALERT_OPTIONS } from '../alerts';

/** What the dashboard generator can be told besides the model; the defaults match the alert rules'. */
export interface DashboardOptions {
  /** Default value of the `tracker_job` variable (a job regex, as in the alert rules). */
  readonly trackerJob: string;
  /** Default value of the `collector_job` variable. */
  readonly collectorJob: string;
  /** Default value of the `tracker_url` variable: the tracker as you reach it, whose pages of lost and stuck orders the panels link to. */
  readonly trackerUrl: string;
  /** Default time range, e.g. `now-6h`. */
  readonly from: string;
  readonly refresh: string;
}

/** The defaults: the alert generator's jobs and tracker URL, the last six hours, refreshed every 30 s. */
export const DEFAULT_DASHBOARD_OPTIONS: DashboardOptions = {
  trackerJob: DEFAULT_ALERT_OPTIONS.trackerJob,
  collectorJob: DEFAULT_ALERT_OPTIONS.collectorJob,
  trackerUrl: DEFAULT_ALERT_OPTIONS.trackerUrl,
  from: 'now-6h',
  refresh: '30s',
};
