import { model } from '../test/fixtures';
import { renderHomePage, type HomeData } from './home-page';

const NOW = Date.parse('2026-05-05T12:00:00Z') * 1000;
const data = (over: Partial<HomeData> = {}): HomeData => ({ model, now: NOW, occupancy: [], lostByState: new Map(), stuck: [], lost: [], deadLetters: 0, ...over });
/** The page's text without tags, spaces collapsed. */
const text = (page: string) => page.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('the home page', () => {
  it('shows each partition of the topic with its status, and says how many are not ok', () => {
    const page = text(
      renderHomePage(
        data({
          partitions: [
            { partition: 0, status: 'ok', lag: 0, lagSeconds: 0, committed: 1200, owned: true },
            { partition: 1, status: 'stalled', lag: 340, lagSeconds: 310, committed: 77, owned: true },
            { partition: 2, status: 'unowned', lag: 12, lagSeconds: 0, committed: 5, owned: false },
          ],
        }),
      ),
    );
    expect(page).toContain('Tracking, per partition');
    expect(page).toContain('2 of 3 partitions are not ok: orders on them are not being tracked');
    expect(page).toContain(' 1 stalled: not moving 340 5m10s 77 ');
    expect(page).toContain(' 2 unowned: no tracker reads it 12 0s 5 ');
  });

  it('has no partitions card when the bus has no partitions (embedded mode)', () => {
    expect(text(renderHomePage(data()))).not.toContain('Tracking, per partition');
  });

  it('counts the parked dead letters', () => {
    expect(text(renderHomePage(data({ deadLetters: 3 })))).toContain('Dead letters 3 events set aside, not applied');
  });
});
