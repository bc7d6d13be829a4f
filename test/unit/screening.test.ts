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

  it('flags a name and birth-date match', () => {
    const flags = matchWatchlist(person, [
      { name: '张三风', birthDate: '1990-03-07', source: 'UN' },
    ]);
    expect(flags).toEqual([{ code: 'WATCHLIST_MATCH', detail: expect.stringContaining('UN') }]);
  });

  it('ignores a name match whose entry has another birth date', () => {
    expect(
      matchWatchlist(person, [{ name: '张三丰', birthDate: '1950-01-01', source: 'UN' }]),
    ).toEqual([]);
  });

  it('flags a similar name when the entry has no birth date', () => {
    expect(matchWatchlist(person, [{ name: '张三丰', birthDate: null, source: 'PEP' }])).toEqual([
      { code: 'WATCHLIST_NAME_SIMILAR', detail: expect.stringContaining('PEP') },
    ]);
  });

  it('finds nothing for other names', () => {
    expect(matchWatchlist(person, [{ name: '李四', birthDate: null, source: 'PEP' }])).toEqual([]);
  });

  it('reads the birth date from the ID number', () => {
    expect(birthDateOf(idNumber('110105', '19900307', '123'))).toBe('1990-03-07');
  });
});
