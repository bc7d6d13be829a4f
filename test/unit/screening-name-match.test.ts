import { describe, expect, it } from 'vitest';
import {
  findWatchlistHits,
  HIT_THRESHOLD,
  nameAgreement,
  type WatchlistCandidate,
} from '../../activities/screening/name-match';

describe('watch-list names: these match', () => {
  it.each([
    // person, listed, kind, name score
    ['张三丰', '张三丰', 'EXACT', 1],
    ['张三丰', '張三豐', 'EXACT', 1],
    ['欧阳娜娜', '歐陽娜娜', 'EXACT', 1],
    ['张三', '張三', 'EXACT', 1],
    ['买买提·艾力', '买买提艾力', 'EXACT', 1],
    ['张三丰', 'Zhang Sanfeng', 'PINYIN', 0.9],
    ['张三丰', 'ZHANG San-feng', 'PINYIN', 0.9],
    ['张三丰', 'Zhāng Sānfēng', 'PINYIN', 0.9],
    ['张三丰', 'zhangsanfeng', 'PINYIN', 0.9],
    ['张三丰', 'Sanfeng ZHANG', 'PINYIN', 0.9],
    ['欧阳娜娜', 'Nana Ouyang', 'PINYIN', 0.9],
    ['买买提·艾力', 'Maimaiti Aili', 'PINYIN', 0.9],
    ['李文涛', 'LI Wen-tao', 'PINYIN', 0.9],
    ['单田芳', 'Shan Tianfang', 'PINYIN', 0.9],
    ['吕小明', 'Lü Xiaoming', 'PINYIN', 0.9],
    ['吕小明', 'LV Xiaoming', 'PINYIN', 0.9],
    ['王伟', 'Wang Wei', 'PINYIN', 0.7],
    ['汪伟', 'Wang Wei', 'PINYIN', 0.7],
    ['张三丰', '张三风', 'NEAR', 0.8],
    ['张三丰', '張三風', 'NEAR', 0.8],
    ['欧阳娜娜', '欧阳娜', 'NEAR', 0.8],
    ['阿不都·热合曼', '阿布都·热合曼', 'NEAR', 0.8],
  ])('%s ~ %s (%s)', (person, listed, kind, score) => {
    expect(nameAgreement(person, listed)).toEqual({ kind, score });
  });
});

describe('watch-list names: these must not match', () => {
  it.each([
    // Two-character names one character apart are different people far too often.
    ['张三', '张四'],
    ['王伟', '王卫'],
    // Homophones in characters: a Han entry is listed in characters, not sounds.
    ['王伟', '汪伟'],
    ['张三丰', '章三峰'],
    // The same common family name, another given name.
    ['张三丰', '张小明'],
    ['王伟', '王芳'],
    ['李娜', '李娜娜娜'],
    ['张三丰', '张三'],
    ['张三丰', '张丰'],
    ['欧阳娜娜', '欧阳'],
    ['张三丰', '三张丰'],
    ['张三丰', '李四光'],
    // Pinyin: another given name, a syllable short or extra, another family name.
    ['张三丰', 'Zhang Sanfen'],
    ['张三丰', 'Zhang San'],
    ['张三丰', 'Zhang Sanfeng Li'],
    ['张三丰', 'Chang Sanfeng'],
    ['王伟', 'Wang Wen'],
    ['王伟', 'Huang Wei'],
    // Syllables in another order than family-first or given-first.
    ['张三丰', 'San Zhang Feng'],
    ['王伟', ''],
    ['王伟', '·'],
  ])('%s ≁ %s', (person, listed) => {
    expect(nameAgreement(person, listed)).toBeNull();
  });
});

describe('findWatchlistHits', () => {
  const person = { name: '张三丰', birthDate: '1990-03-07' };
  const entry = (over: Partial<WatchlistCandidate>): WatchlistCandidate => ({
    id: 1,
    name: '张三丰',
    aliases: [],
    birthDate: '1990-03-07',
    source: 'UN',
    ...over,
  });

  it.each([
    // name, birth date on the list, score
    ['张三丰', '1990-03-07', 1],
    ['张三丰', '1990', 0.85],
    ['张三丰', null, 0.75],
    ['张三丰', '1950-01-01', 0.5],
    ['张三丰', '1950', 0.5],
    ['Zhang Sanfeng', '1990-03-07', 0.9],
    ['Zhang Sanfeng', '1990', 0.77],
    ['Zhang Sanfeng', '1950-01-01', 0.45],
    ['张三风', '1990-03-07', 0.8],
    ['张三风', null, 0.6],
    ['张三风', '1950-01-01', 0.4],
  ])('%s born %s scores %s', (name, birthDate, score) => {
    const hits = findWatchlistHits(person, [entry({ name, birthDate })]);
    expect(hits.map((h) => h.score)).toEqual([score]);
  });

  it('drops a two-syllable pinyin collision whose birth date contradicts', () => {
    const wang = { name: '王伟', birthDate: '1990-03-07' };
    expect(findWatchlistHits(wang, [entry({ name: 'Wang Wei', birthDate: '1990' })])).toHaveLength(
      1,
    );
    expect(findWatchlistHits(wang, [entry({ name: 'Wang Wei', birthDate: '1961-05-05' })])).toEqual(
      [],
    );
    expect(0.7 * 0.5).toBeLessThan(HIT_THRESHOLD);
  });

  it('matches through an alias and names it', () => {
    const [hit] = findWatchlistHits(person, [
      entry({ name: '李四光', aliases: ['Chang San-feng', '張三豐'] }),
    ]);
    expect(hit).toMatchObject({ matchedName: '張三豐', nameKind: 'EXACT', score: 1 });
  });

  it('answers the best entries first, and nothing for other people', () => {
    const hits = findWatchlistHits(person, [
      entry({ id: 1, name: '张三风', birthDate: null }),
      entry({ id: 2, name: '張三豐' }),
      entry({ id: 3, name: '李四' }),
    ]);
    expect(hits.map((h) => [h.entry.id, h.score])).toEqual([
      [2, 1],
      [1, 0.6],
    ]);
  });
});
