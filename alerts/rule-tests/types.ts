/** The promtool unit-test file format of Prometheus 2.42 (`promtool test rules`), the parts we write. */
export interface PromtoolTestFile {
  readonly rule_files: readonly string[];
  readonly evaluation_interval: string;
  readonly tests: readonly TestGroup[];
}

/** A named set of input series and the alerts expected at given times; promtool evaluates every rule over it. */
export interface TestGroup {
  readonly name: string;
  readonly interval: string;
  readonly input_series: readonly InputSeries[];
  readonly alert_rule_test: readonly AlertTest[];
}

/** A series and its samples in promtool's expanding notation ("0+10x5" is 0 10 20 30 40 50). */
export interface InputSeries {
  readonly series: string;
  readonly values: string;
}

/** The alerts of one name that must be firing at `eval_time`; an empty list means none may fire. */
export interface AlertTest {
  readonly eval_time: string;
  readonly alertname: string;
  readonly exp_alerts: readonly ExpectedAlert[];
}

/** One firing alert: all its labels (without alertname) and all its annotations, exactly. */
export interface ExpectedAlert {
  readonly exp_labels: Readonly<Record<string, string>>;
  readonly exp_annotations: Readonly<Record<string, string>>;
}
