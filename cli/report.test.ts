import { ValidationError } from '../common';
import { runCli } from './test/run-cli';

// Refusals that need no clock and no database: parseReportQuery refuses before either is used.
describe('orderscope report', () => {
  it('refuses a period it cannot cover in the same words as the API, before reading anything', async () => {
    await expect(runCli('report', '--from', '1000-01-01', '--to', '1000-01-07')).rejects.toThrow(
      new ValidationError('from: "1000-01-01" is out of range: a report covers 1900-01-01T00:00:00Z to 2150-01-01T00:00:00Z, the times order events can have'),
    );
    await expect(runCli('report', '--from', '2025-01-01', '--to', '2026-01-02', '--format', 'csv')).rejects.toThrow(
      new ValidationError('the period from 2025-01-01T00:00:00.000Z to 2026-01-03T00:00:00.000Z is 367 days; a report covers at most 366 days: narrow from and to'),
    );
    await expect(runCli('report', '--from', '2026-11-23', '--to', '2026-11-29', '--group-by', 'seg\u0000ment')).rejects.toThrow(new ValidationError('group_by: must not contain U+0000 (NUL)'));
  });
});
