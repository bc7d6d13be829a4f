import { describe, expect, it } from 'vitest';
import { birthDateOf, matchWatchlist, namesMatch } from '../../activities/screening';
import { idNumber } from '../helpers/people';

describe('watch-list name matching', () => {
  it.each([
    ['张三丰', '张三丰', true],
    [' 张 三 丰 ', '张三丰', true],
    ['买买提·艾力', '买买提艾力', true],
    ['买买提•艾力', '买买提·艾力', true],
    ['张三丰', '张三风', true],
    ['张三丰', '张三', false],
    ['张三丰', '张丰', false],
    ['欧阳娜娜', '欧阳娜', true],
    ['欧阳娜娜', '欧阳', false],
    ['张三', '张四', false],
    ['张三', '张三', true],
    ['张三丰', '李四光', false],
    ['张三丰', '三张丰', false],
    ['阿不都·热合曼', '阿布都·热合曼', true],
  ])('%s ~ %s → %s', (a, b, expected) => {
    expect(namesMatch(a, b)).toBe(expected);
    expect(namesMatch(b, a)).toBe(expected);
  });
});

describe('matchWatchlist', () => {
  const person = { name: '张三丰', birthDate: '1990-03-07' };
  const entry = (name: string, birthDate: string | null, source = 'UN') => ({
    id: 7,
    name,
    aliases: [],
    birthDate,
    source,
  });

  it('flags a name and birth-date match with its score and entry', () => {
    expect(matchWatchlist(person, [entry('张三风', '1990-03-07')])).toEqual([
      {
        code: 'WATCHLIST_MATCH',
        detail: expect.stringMatching(/#7 "张三风" \(UN\).*score 0\.80/),
        score: 0.8,
        watchlistEntryId: 7,
      },
    ]);
  });

  it('still flags a name match whose entry has another birth date, with a lower score', () => {
    expect(matchWatchlist(person, [entry('張三豐', '1950-01-01')])).toEqual([
      expect.objectContaining({ code: 'WATCHLIST_NAME_SIMILAR', score: 0.5 }),
    ]);
  });

  it('flags a similar name when the entry has no birth date', () => {
    expect(matchWatchlist(person, [entry('张三丰', null, 'PEP')])).toEqual([
      expect.objectContaining({
        code: 'WATCHLIST_NAME_SIMILAR',
        detail: expect.stringContaining('PEP'),
        score: 0.75,
      }),
    ]);
  });

  it('finds nothing for other names', () => {
    expect(matchWatchlist(person, [entry('李四', null, 'PEP')])).toEqual([]);
  });

  it('reads the birth date from the ID number', () => {
    expect(birthDateOf(idNumber('110105', '19900307', '123'))).toBe('1990-03-07');
  });
});
