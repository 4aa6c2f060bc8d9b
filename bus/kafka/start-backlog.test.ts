import { backlogLeft } from './start-backlog';

describe('backlogLeft', () => {
  const backlog = new Map([
    [0, 100],
    [1, 40],
    [2, 0],
  ]);

  it('sums what each partition still has to commit of its mark', () => {
    expect(backlogLeft(backlog, new Map([[0, 60], [1, 10], [2, 0]]))).toBe(70);
  });

  it('is 0 once every partition committed its mark, and a commit past the mark counts as done', () => {
    expect(backlogLeft(backlog, new Map([[0, 100], [1, 55], [2, 3]]))).toBe(0);
  });

  it('does not count a partition that is no longer read', () => {
    expect(backlogLeft(backlog, new Map([[0, 90]]))).toBe(10);
  });

  it('is 0 for an empty topic', () => {
    expect(backlogLeft(new Map(), new Map())).toBe(0);
  });
});
