import { describe, it, expect } from 'vitest';
import {
  ageOn,
  chinaDate,
  compareVersions,
  idCheckChar,
  isStrongPaymentPassword,
  isValidBankCard,
  isValidLoginPassword,
  isValidName,
  isValidPhone,
  luhnValid,
  normalizeApplicant,
  normalizeBankCard,
  normalizeIdNumber,
  normalizeName,
  parseIdNumber,
  validateApplicant,
  type CalendarDate,
} from '../../domain/fields';

// ---------------------------------------------------------------------------------------------
// Helpers, written independently of the code under test.

const TODAY: CalendarDate = { year: 2024, month: 6, day: 15 };

/** GB 11643-1999 check character derived from first principles: weight_i = 2^(17-i) mod 11. */
function refIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (2 ** (17 - i) % 11);
  const value = (12 - (sum % 11)) % 11;
  return value === 10 ? 'X' : String(value);
}

/** An ID number with a correct check character: region (6) + YYYYMMDD + sequence (3). */
function makeId(region: string, yyyymmdd: string, seq: string): string {
  const body = `${region}${yyyymmdd}${seq}`;
  expect(body).toMatch(/^\d{17}$/);
  return body + refIdCheckChar(body);
}

/** Appends the Luhn check digit to a digit string. */
function withLuhn(payload: string): string {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    // Rightmost payload digit is doubled once the check digit is appended.
    let d = Number(payload[payload.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return payload + String((10 - (sum % 10)) % 10);
}

const HAN_50 =
  '张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎';
const EXT_B = '\u{20BB7}'; // 𠮷, CJK Extension B: one code point, two UTF-16 units

// ---------------------------------------------------------------------------------------------

describe('idCheckChar', () => {
  it('gives the check characters of the FIELD-NOTES examples', () => {
    expect(idCheckChar('11010519491231002')).toBe('X');
    expect(idCheckChar('44052418800101001')).toBe('4');
  });

  it('agrees with an independent MOD 11-2 implementation', () => {
    const bodies = [
      '11010519491231002',
      '44052418800101001',
      '00000000000000000',
      '99999999999999999',
      '12345678901234567',
      '76543210987654321',
      '31010119900307123',
      '51010720000229456',
      '65010219851111999',
      '23010619700101001',
    ];
    for (const body of bodies) expect(idCheckChar(body), body).toBe(refIdCheckChar(body));
  });

  it('produces every one of the 11 possible check characters', () => {
    const seen = new Set<string>();
    for (let seq = 0; seq < 200; seq++) {
      const body = `11010519900101${String(seq).padStart(3, '0')}`;
      const c = idCheckChar(body);
      expect(c).toBe(refIdCheckChar(body));
      seen.add(c);
    }
    expect([...seen].sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X']);
  });

  it('maps sum mod 11 = 0, 1, 2 to 1, 0, X', () => {
    expect(idCheckChar('00000000000000000')).toBe('1'); // sum 0
    expect(idCheckChar('00000001000000000')).toBe('0'); // weight 1 at position 8 -> sum 1
    expect(idCheckChar('00000000000000001')).toBe('X'); // weight 2 at position 17 -> sum 2
  });
});

describe('parseIdNumber', () => {
  it('accepts 11010519491231002X (female, born 1949-12-31)', () => {
    expect(parseIdNumber('11010519491231002X', TODAY)).toEqual({
      region: '110105',
      birthDate: { year: 1949, month: 12, day: 31 },
      sex: 'F',
    });
  });

  it('rejects 440524188001010014: its check character is right but the birth year 1880 is before 1900', () => {
    expect(idCheckChar('44052418800101001')).toBe('4');
    expect(parseIdNumber('440524188001010014', TODAY)).toBeNull();
  });

  it('accepts a lower-case x check character and white space', () => {
    expect(parseIdNumber('11010519491231002x', TODAY)?.birthDate).toEqual({
      year: 1949,
      month: 12,
      day: 31,
    });
    expect(parseIdNumber(' 110105 19491231 002x ', TODAY)?.region).toBe('110105');
    expect(normalizeIdNumber(' 110105 19491231\t002x\n')).toBe('11010519491231002X');
  });

  it('rejects a wrong check character', () => {
    for (const c of ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']) {
      expect(parseIdNumber(`11010519491231002${c}`, TODAY), c).toBeNull();
    }
    const valid = makeId('440524', '19800101', '001');
    expect(valid.endsWith('X')).toBe(false);
    expect(parseIdNumber(valid, TODAY)).not.toBeNull();
    expect(parseIdNumber(`${valid.slice(0, 17)}X`, TODAY)).toBeNull();
  });

  it('detects a changed digit at every one of the 17 positions', () => {
    // Birth 2010-01-07 and a far-future "today": every date digit then has another valid value.
    const today: CalendarDate = { year: 9999, month: 12, day: 31 };
    const valid = makeId('310101', '20100107', '123');
    expect(parseIdNumber(valid, today)).not.toBeNull();
    for (let pos = 0; pos < 17; pos++) {
      // Pick a replacement digit that keeps the number otherwise valid (region, date), so that
      // only the stale check character can make it fail.
      let tested = false;
      for (let d = 0; d <= 9 && !tested; d++) {
        if (String(d) === valid[pos]) continue;
        const body = valid.slice(0, pos) + String(d) + valid.slice(pos + 1, 17);
        const fixed = body + idCheckChar(body);
        if (!parseIdNumber(fixed, today)) continue;
        expect(idCheckChar(body), `position ${pos + 1}`).not.toBe(valid[17]);
        expect(parseIdNumber(body + valid[17], today), `position ${pos + 1}`).toBeNull();
        tested = true;
      }
      expect(tested, `position ${pos + 1}`).toBe(true);
    }
  });

  it('takes the sex from the 17th character: odd is male, even is female', () => {
    for (let d = 0; d <= 9; d++) {
      const id = makeId('110105', '19900101', `00${d}`);
      expect(parseIdNumber(id, TODAY)?.sex, id).toBe(d % 2 === 1 ? 'M' : 'F');
    }
    // Only the 17th digit counts, not the 15th or 16th.
    expect(parseIdNumber(makeId('110105', '19900101', '990'), TODAY)?.sex).toBe('F');
    expect(parseIdNumber(makeId('110105', '19900101', '001'), TODAY)?.sex).toBe('M');
  });

  describe('birth date', () => {
    const FAR_FUTURE: CalendarDate = { year: 2200, month: 1, day: 1 };
    const valid = (ymd: string, today = FAR_FUTURE) =>
      parseIdNumber(makeId('110105', ymd, '123'), today) !== null;

    it('applies the Gregorian leap-year rules to 29 February', () => {
      expect(valid('19000229')).toBe(false); // century not divisible by 400
      expect(valid('19000228')).toBe(true);
      expect(valid('21000229')).toBe(false); // same rule, checked with a far-future "today"
      expect(valid('21000228')).toBe(true);
      expect(valid('20000229')).toBe(true); // divisible by 400
      expect(valid('19960229')).toBe(true);
      expect(valid('20040229')).toBe(true);
      expect(valid('19990229')).toBe(false);
      expect(valid('20230229')).toBe(false);
      expect(valid('20000230')).toBe(false);
    });

    it('rejects month 00 and 13, day 00 and day 32', () => {
      expect(valid('19901301')).toBe(false);
      expect(valid('19900001')).toBe(false);
      expect(valid('19900100')).toBe(false);
      expect(valid('19900132')).toBe(false);
      expect(valid('19901231')).toBe(true);
      expect(valid('19900131')).toBe(true);
    });

    it('rejects day 31 in 30-day months and accepts it in 31-day months', () => {
      for (const mm of ['04', '06', '09', '11']) {
        expect(valid(`1990${mm}31`), mm).toBe(false);
        expect(valid(`1990${mm}30`), mm).toBe(true);
      }
      for (const mm of ['01', '03', '05', '07', '08', '10', '12']) {
        expect(valid(`1990${mm}31`), mm).toBe(true);
      }
    });

    it('rejects a birth date after today and accepts today itself', () => {
      const today: CalendarDate = { year: 2024, month: 6, day: 15 };
      expect(valid('20240615', today)).toBe(true);
      expect(valid('20240614', today)).toBe(true);
      expect(valid('20240616', today)).toBe(false);
      expect(valid('20240701', today)).toBe(false);
      expect(valid('20250101', today)).toBe(false);
      expect(valid('20231231', today)).toBe(true);
    });

    it('rejects births before 1900 and accepts 1900-01-01', () => {
      expect(valid('19000101')).toBe(true);
      expect(valid('18991231')).toBe(false);
      expect(valid('18800101')).toBe(false);
      expect(valid('00010101')).toBe(false);
    });
  });

  it('rejects the wrong length', () => {
    const id = makeId('110105', '19900101', '123');
    expect(parseIdNumber(id, TODAY)).not.toBeNull();
    expect(parseIdNumber(id.slice(0, 17), TODAY)).toBeNull();
    expect(parseIdNumber(`${id}0`, TODAY)).toBeNull();
    expect(parseIdNumber(`0${id}`, TODAY)).toBeNull();
    expect(parseIdNumber('', TODAY)).toBeNull();
    // A first-generation 15-digit number is not accepted.
    expect(parseIdNumber('110105491231002', TODAY)).toBeNull();
  });

  it('rejects letters or symbols in the first 17 characters', () => {
    const id = makeId('110105', '19900101', '123');
    for (const pos of [0, 5, 8, 14, 16]) {
      for (const ch of ['X', 'a', '-', '.']) {
        expect(parseIdNumber(id.slice(0, pos) + ch + id.slice(pos + 1), TODAY)).toBeNull();
      }
    }
    expect(parseIdNumber('１１０１０５１９４９１２３１００２Ｘ', TODAY)).toBeNull(); // full-width
  });

  it('rejects a region code starting with 0 even with a correct check character', () => {
    const id = makeId('010105', '19900101', '123');
    expect(idCheckChar(id.slice(0, 17))).toBe(id[17]);
    expect(parseIdNumber(id, TODAY)).toBeNull();
    expect(parseIdNumber(makeId('910105', '19900101', '123'), TODAY)?.region).toBe('910105');
  });
});

describe('ageOn', () => {
  const birth: CalendarDate = { year: 2008, month: 6, day: 15 };

  it('counts a birthday on the day itself, not the day before', () => {
    expect(ageOn(birth, { year: 2024, month: 6, day: 15 })).toBe(16);
    expect(ageOn(birth, { year: 2024, month: 6, day: 14 })).toBe(15);
    expect(ageOn(birth, { year: 2024, month: 6, day: 16 })).toBe(16);
    expect(ageOn(birth, { year: 2026, month: 6, day: 14 })).toBe(17);
    expect(ageOn(birth, { year: 2026, month: 6, day: 15 })).toBe(18);
    expect(ageOn(birth, { year: 2024, month: 5, day: 31 })).toBe(15);
    expect(ageOn(birth, { year: 2024, month: 7, day: 1 })).toBe(16);
  });

  it('is 0 on the day of birth and across a year boundary', () => {
    expect(ageOn(birth, birth)).toBe(0);
    const dec31: CalendarDate = { year: 1999, month: 12, day: 31 };
    expect(ageOn(dec31, { year: 2000, month: 1, day: 1 })).toBe(0);
    expect(ageOn(dec31, { year: 2017, month: 12, day: 30 })).toBe(17);
    expect(ageOn(dec31, { year: 2017, month: 12, day: 31 })).toBe(18);
  });

  it('makes someone born on 29 February older on 1 March in common years', () => {
    const feb29: CalendarDate = { year: 2008, month: 2, day: 29 };
    expect(ageOn(feb29, { year: 2023, month: 2, day: 28 })).toBe(14);
    expect(ageOn(feb29, { year: 2023, month: 3, day: 1 })).toBe(15);
    expect(ageOn(feb29, { year: 2024, month: 2, day: 28 })).toBe(15);
    expect(ageOn(feb29, { year: 2024, month: 2, day: 29 })).toBe(16);
    expect(ageOn(feb29, { year: 2026, month: 2, day: 28 })).toBe(17);
    expect(ageOn(feb29, { year: 2026, month: 3, day: 1 })).toBe(18);
  });
});

describe('chinaDate', () => {
  it('flips to the next day at 16:00 UTC', () => {
    expect(chinaDate(Date.UTC(2024, 0, 1, 15, 59, 59, 999))).toEqual({
      year: 2024,
      month: 1,
      day: 1,
    });
    expect(chinaDate(Date.UTC(2024, 0, 1, 16, 0, 0, 0))).toEqual({ year: 2024, month: 1, day: 2 });
  });

  it('handles month, leap-day and year boundaries', () => {
    expect(chinaDate(Date.UTC(2023, 11, 31, 15, 59))).toEqual({ year: 2023, month: 12, day: 31 });
    expect(chinaDate(Date.UTC(2023, 11, 31, 16, 0))).toEqual({ year: 2024, month: 1, day: 1 });
    expect(chinaDate(Date.UTC(2024, 1, 28, 16, 0))).toEqual({ year: 2024, month: 2, day: 29 });
    expect(chinaDate(Date.UTC(2024, 1, 29, 16, 0))).toEqual({ year: 2024, month: 3, day: 1 });
    expect(chinaDate(Date.UTC(2024, 5, 15, 0, 0))).toEqual({ year: 2024, month: 6, day: 15 });
    expect(chinaDate(Date.UTC(2024, 5, 14, 23, 59))).toEqual({ year: 2024, month: 6, day: 15 });
  });
});

describe('names', () => {
  it('accepts 2 to 50 Han characters', () => {
    expect(isValidName('张三')).toBe(true);
    expect(isValidName('欧阳娜娜')).toBe(true);
    expect([...HAN_50].length).toBe(50);
    expect(isValidName(HAN_50)).toBe(true);
  });

  it('rejects 1 and 51 characters, and the empty string', () => {
    expect(isValidName('张')).toBe(false);
    expect(isValidName(`${HAN_50}王`)).toBe(false);
    expect(isValidName('')).toBe(false);
    expect(isValidName('   ')).toBe(false);
  });

  it('counts code points, not UTF-16 units (CJK Extension B)', () => {
    expect(EXT_B.length).toBe(2);
    expect(isValidName(EXT_B)).toBe(false); // one character
    expect(isValidName(`${EXT_B}子`)).toBe(true);
    const fifty = HAN_50.slice(0, 49) + EXT_B; // 50 code points, 51 UTF-16 units
    expect(fifty.length).toBe(51);
    expect(isValidName(fifty)).toBe(true);
    expect(isValidName(fifty + '王')).toBe(false);
  });

  it('accepts the middle dot U+00B7 between parts and counts it as a character', () => {
    expect(isValidName('阿沛·阿旺晋美')).toBe(true);
    expect(isValidName('爱新觉罗·溥仪')).toBe(true);
    expect(isValidName('买买提·艾力·吐尔逊')).toBe(true);
    expect(isValidName('张·三')).toBe(true);
    const fifty = `张·${HAN_50.slice(0, 48)}`;
    expect([...fifty].length).toBe(50);
    expect(isValidName(fifty)).toBe(true);
    expect(isValidName(`${fifty}王`)).toBe(false);
  });

  it('normalises look-alike dots to U+00B7', () => {
    for (const dot of ['\u2022', '\u30FB', '\uFF65', '\u22C5', '\u2219', '.', '\uFF0E']) {
      expect(normalizeName(`阿沛${dot}阿旺晋美`), dot).toBe('阿沛\u00B7阿旺晋美');
      expect(isValidName(`阿沛${dot}阿旺晋美`), dot).toBe(true);
    }
  });

  it('rejects a leading, trailing or doubled dot, and a dot alone', () => {
    expect(isValidName('·张三')).toBe(false);
    expect(isValidName('张三·')).toBe(false);
    expect(isValidName('阿沛··阿旺晋美')).toBe(false);
    expect(isValidName('阿沛•・阿旺晋美')).toBe(false); // two look-alikes become a double dot
    expect(isValidName('··')).toBe(false);
    expect(isValidName('·')).toBe(false);
  });

  it('rejects Latin letters, digits, punctuation and other scripts', () => {
    expect(isValidName('Zhang San')).toBe(false);
    expect(isValidName('张三a')).toBe(false);
    expect(isValidName('张3')).toBe(false);
    expect(isValidName('张三３')).toBe(false);
    expect(isValidName('张-三')).toBe(false);
    expect(isValidName('張三')).toBe(true); // traditional characters are Han
    expect(isValidName('さくら')).toBe(false);
    expect(isValidName('김철수')).toBe(false);
  });

  it('removes inner and outer white space, including the ideographic space', () => {
    expect(normalizeName(' 张 三 ')).toBe('张三');
    expect(normalizeName('张\u3000三')).toBe('张三');
    expect(normalizeName('阿沛 • 阿旺晋美')).toBe('阿沛·阿旺晋美');
    expect(isValidName(' 张 三 ')).toBe(true);
    expect(isValidName('张 ')).toBe(false); // still one character
  });
});

describe('isValidPhone', () => {
  it('accepts 1[3-9] followed by 9 digits', () => {
    for (const second of ['3', '4', '5', '6', '7', '8', '9']) {
      expect(isValidPhone(`1${second}800138000`), second).toBe(true);
    }
  });

  it('rejects a second digit of 0, 1 or 2 and a first digit other than 1', () => {
    for (const second of ['0', '1', '2']) {
      expect(isValidPhone(`1${second}800138000`), second).toBe(false);
    }
    expect(isValidPhone('23800138000')).toBe(false);
    expect(isValidPhone('03800138000')).toBe(false);
  });

  it('rejects 10 and 12 digits', () => {
    expect(isValidPhone('1380013800')).toBe(false);
    expect(isValidPhone('138001380001')).toBe(false);
    expect(isValidPhone('')).toBe(false);
  });

  it('rejects non-digits, separators, a country code and full-width digits', () => {
    expect(isValidPhone('1380013800a')).toBe(false);
    expect(isValidPhone('138-0013-8000')).toBe(false);
    expect(isValidPhone('138 0013 8000')).toBe(false);
    expect(isValidPhone('+8613800138000')).toBe(false);
    expect(isValidPhone('１３８００１３８０００')).toBe(false);
    expect(isValidPhone('13800138000\n')).toBe(false);
    expect(isValidPhone(' 13800138000')).toBe(false); // trimming is the caller's job
  });
});

describe('bank cards', () => {
  it('knows the Luhn check of well-known test numbers', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('79927398710')).toBe(false);
    expect(luhnValid('378282246310005')).toBe(true);
    expect(luhnValid('0')).toBe(true);
  });

  it('rejects empty and non-digit input in luhnValid', () => {
    expect(luhnValid('')).toBe(false);
    expect(luhnValid(' ')).toBe(false);
    expect(luhnValid('4111 1111 1111 1111')).toBe(false);
    expect(luhnValid('abc')).toBe(false);
  });

  it('the helper used by these tests agrees with luhnValid', () => {
    expect(withLuhn('411111111111111')).toBe('4111111111111111');
    expect(withLuhn('7992739871')).toBe('79927398713');
    for (let i = 0; i < 50; i++) {
      const payload = String(1_000_003 * i + 62_220_212_345).padStart(15, '9');
      expect(luhnValid(withLuhn(payload)), payload).toBe(true);
    }
  });

  it('accepts 16 to 19 digits passing Luhn', () => {
    const cards = [
      '4111111111111111',
      withLuhn('622202123456789'), // 16
      withLuhn('6222021234567890'), // 17
      withLuhn('62220212345678901'), // 18
      withLuhn('622202123456789012'), // 19
      withLuhn('621700000000000000'), // 19
    ];
    expect(cards.map((c) => c.length)).toEqual([16, 16, 17, 18, 19, 19]);
    for (const card of cards) expect(isValidBankCard(card), card).toBe(true);
  });

  it('rejects 15 and 20 digits even when they pass Luhn', () => {
    const fifteen = withLuhn('62220212345678');
    const twenty = withLuhn('6222021234567890123');
    expect(fifteen.length).toBe(15);
    expect(twenty.length).toBe(20);
    expect(luhnValid(fifteen)).toBe(true);
    expect(luhnValid(twenty)).toBe(true);
    expect(isValidBankCard(fifteen)).toBe(false);
    expect(isValidBankCard(twenty)).toBe(false);
    expect(isValidBankCard('378282246310005')).toBe(false);
    expect(isValidBankCard('')).toBe(false);
  });

  it('fails on a change of any single digit', () => {
    const card = withLuhn('622202123456789012');
    expect(isValidBankCard(card)).toBe(true);
    for (let pos = 0; pos < card.length; pos++) {
      for (let delta = 1; delta <= 9; delta++) {
        const d = (Number(card[pos]) + delta) % 10;
        const changed = card.slice(0, pos) + String(d) + card.slice(pos + 1);
        expect(isValidBankCard(changed), changed).toBe(false);
      }
    }
  });

  it('normalises spaces and hyphens', () => {
    const card = withLuhn('622202123456789012');
    const grouped = card.replace(/(\d{4})(?=\d)/g, '$1 ');
    expect(grouped).toBe(
      `${card.slice(0, 4)} ${card.slice(4, 8)} ${card.slice(8, 12)} ${card.slice(12, 16)} ${card.slice(16)}`,
    );
    expect(normalizeBankCard(grouped)).toBe(card);
    expect(isValidBankCard(grouped)).toBe(true);
    expect(isValidBankCard('4111-1111-1111-1111')).toBe(true);
    expect(isValidBankCard(' 4111 1111\t1111 1111 ')).toBe(true);
    expect(normalizeBankCard('4111 - 1111--1111 1111')).toBe('4111111111111111');
  });

  it('rejects letters and other separators', () => {
    expect(isValidBankCard('4111.1111.1111.1111')).toBe(false);
    expect(isValidBankCard('4111111111111111a')).toBe(false);
    expect(isValidBankCard('411111111111111O')).toBe(false);
    expect(isValidBankCard('４１１１１１１１１１１１１１１１')).toBe(false);
  });
});

describe('isValidLoginPassword', () => {
  it('accepts 8 to 64 characters with letters and digits', () => {
    expect(isValidLoginPassword('abcd1234')).toBe(true);
    expect(isValidLoginPassword('P@ssw0rd!')).toBe(true);
    expect(isValidLoginPassword('1234567A')).toBe(true);
    expect(isValidLoginPassword(`a${'1'.repeat(63)}`)).toBe(true);
    expect(isValidLoginPassword('pass word 1')).toBe(true);
  });

  it('rejects 7 and 65 characters', () => {
    expect(isValidLoginPassword('abc1234')).toBe(false);
    expect(isValidLoginPassword(`a${'1'.repeat(64)}`)).toBe(false);
    expect(isValidLoginPassword('')).toBe(false);
  });

  it('needs both letters and digits', () => {
    expect(isValidLoginPassword('abcdefgh')).toBe(false);
    expect(isValidLoginPassword('12345678')).toBe(false);
    expect(isValidLoginPassword('!@#$%^&*()')).toBe(false);
    expect(isValidLoginPassword('abcdefg!')).toBe(false);
    expect(isValidLoginPassword('1234567!')).toBe(false);
  });

  it('counts code points, not UTF-16 units', () => {
    const emoji = '\u{1F600}';
    expect(isValidLoginPassword(`${emoji.repeat(6)}a1`)).toBe(true); // 8 code points, 14 units
    expect(isValidLoginPassword(`${emoji.repeat(5)}a1`)).toBe(false); // 7 code points, 12 units
    expect(isValidLoginPassword(`${emoji.repeat(62)}a1`)).toBe(true); // 64 code points
    expect(isValidLoginPassword(`${emoji.repeat(63)}a1`)).toBe(false); // 65 code points
  });
});

describe('isStrongPaymentPassword', () => {
  const birth: CalendarDate = { year: 1990, month: 5, day: 17 }; // MMDD 0517, YYMMDD 900517
  const strong = (pin: string, b = birth) => isStrongPaymentPassword(pin, b);

  it('accepts a good PIN', () => {
    expect(strong('135790')).toBe(true);
    expect(strong('258036')).toBe(true);
    expect(strong('112233')).toBe(true);
    expect(strong('123455')).toBe(true); // almost a run
    expect(strong('121212')).toBe(true);
    expect(strong('051600')).toBe(true); // not the birth date
    expect(strong('951700')).toBe(true); // 0517 does not occur in it
  });

  it('rejects one repeated digit', () => {
    for (let d = 0; d <= 9; d++) expect(strong(String(d).repeat(6)), String(d)).toBe(false);
  });

  it('rejects ascending runs, including those wrapping from 9 to 0', () => {
    for (const pin of ['012345', '123456', '234567', '345678', '456789']) {
      expect(strong(pin), pin).toBe(false);
    }
    for (const pin of ['567890', '678901', '789012', '890123', '901234']) {
      expect(strong(pin), pin).toBe(false);
    }
  });

  it('rejects descending runs, including those wrapping from 0 to 9', () => {
    for (const pin of ['987654', '876543', '765432', '654321', '543210']) {
      expect(strong(pin), pin).toBe(false);
    }
    for (const pin of ['432109', '321098', '210987', '109876', '098765']) {
      expect(strong(pin), pin).toBe(false);
    }
  });

  it('rejects the birth date as MMDD anywhere in the six, and as YYMMDD', () => {
    expect(strong('905170')).toBe(false); // MMDD in the middle
    expect(strong('051712')).toBe(false);
    expect(strong('051700')).toBe(false);
    expect(strong('120517')).toBe(false);
    expect(strong('990517')).toBe(false);
    expect(strong('900517')).toBe(false);
    // Same PINs are fine for someone born on another day.
    const other: CalendarDate = { year: 1985, month: 11, day: 3 };
    for (const pin of ['051712', '120517', '900517', '905170'])
      expect(strong(pin, other), pin).toBe(true);
    expect(strong('110388', other)).toBe(false);
    expect(strong('881103', other)).toBe(false);
    expect(strong('851103', other)).toBe(false);
  });

  it('pads single-digit months, days and years with zeros', () => {
    const b: CalendarDate = { year: 2005, month: 1, day: 2 };
    expect(strong('050102', b)).toBe(false); // YYMMDD
    expect(strong('010277', b)).toBe(false); // MMDD at start
    expect(strong('770102', b)).toBe(false); // MMDD at end
    expect(strong('120277', b)).toBe(true); // 12 Feb is not 2 Jan
    const y2000: CalendarDate = { year: 2000, month: 10, day: 20 };
    expect(strong('001020', y2000)).toBe(false);
  });

  it('rejects anything but exactly six ASCII digits', () => {
    expect(strong('13579')).toBe(false);
    expect(strong('1357902')).toBe(false);
    expect(strong('')).toBe(false);
    expect(strong('13579a')).toBe(false);
    expect(strong(' 135790')).toBe(false);
    expect(strong('135790\n')).toBe(false);
    expect(strong('１３５７９０')).toBe(false);
    expect(strong('13-579')).toBe(false);
  });
});

describe('validateApplicant', () => {
  const good = {
    name: '张三',
    idNumber: makeId('110105', '19900307', '123'),
    phone: '13800138000',
    bankCardNumber: '4111111111111111',
    loginPassword: 'abcd1234',
  };

  it('returns no errors when every field passes, after normalisation', () => {
    expect(validateApplicant(good, TODAY)).toEqual([]);
    expect(
      validateApplicant(
        {
          name: ' 阿沛•阿旺晋美 ',
          idNumber: '11010519491231002x',
          phone: ' 13800138000 ',
          bankCardNumber: '4111 1111-1111 1111',
          loginPassword: 'abcd1234',
        },
        TODAY,
      ),
    ).toEqual([]);
    expect(validateApplicant({}, TODAY)).toEqual([]);
  });

  it('returns exactly the failing fields with their codes, in field order', () => {
    expect(
      validateApplicant(
        {
          name: 'Zhang',
          idNumber: '11010519491231002Y',
          phone: '12800138000',
          bankCardNumber: '4111111111111112',
          loginPassword: 'abcdefgh',
        },
        TODAY,
      ),
    ).toEqual([
      { field: 'name', code: 'INVALID_NAME' },
      { field: 'idNumber', code: 'INVALID_ID_NUMBER' },
      { field: 'phone', code: 'INVALID_PHONE' },
      { field: 'bankCardNumber', code: 'INVALID_BANK_CARD' },
      { field: 'loginPassword', code: 'INVALID_LOGIN_PASSWORD' },
    ]);
  });

  it('reports a single failing field alone', () => {
    expect(validateApplicant({ ...good, name: '张' }, TODAY)).toEqual([
      { field: 'name', code: 'INVALID_NAME' },
    ]);
    expect(validateApplicant({ ...good, phone: '1380013800' }, TODAY)).toEqual([
      { field: 'phone', code: 'INVALID_PHONE' },
    ]);
    expect(
      validateApplicant({ ...good, bankCardNumber: withLuhn('62220212345678') }, TODAY),
    ).toEqual([{ field: 'bankCardNumber', code: 'INVALID_BANK_CARD' }]);
    expect(validateApplicant({ ...good, loginPassword: '12345678' }, TODAY)).toEqual([
      { field: 'loginPassword', code: 'INVALID_LOGIN_PASSWORD' },
    ]);
    expect(
      validateApplicant({ ...good, name: '张', bankCardNumber: '4111111111111121' }, TODAY),
    ).toEqual([
      { field: 'name', code: 'INVALID_NAME' },
      { field: 'bankCardNumber', code: 'INVALID_BANK_CARD' },
    ]);
  });

  it('checks the ID birth date against the given today', () => {
    const id = makeId('110105', '20240616', '123');
    expect(validateApplicant({ idNumber: id }, TODAY)).toEqual([
      { field: 'idNumber', code: 'INVALID_ID_NUMBER' },
    ]);
    expect(validateApplicant({ idNumber: id }, { year: 2024, month: 6, day: 16 })).toEqual([]);
  });

  it('only checks the fields given', () => {
    expect(validateApplicant({ phone: 'x' }, TODAY)).toEqual([
      { field: 'phone', code: 'INVALID_PHONE' },
    ]);
    expect(validateApplicant({ name: '张三', loginPassword: 'short1' }, TODAY)).toEqual([
      { field: 'loginPassword', code: 'INVALID_LOGIN_PASSWORD' },
    ]);
  });
});

describe('normalizeApplicant', () => {
  it('normalises each given field and leaves the rest alone', () => {
    expect(
      normalizeApplicant({
        name: ' 阿沛 ・阿旺晋美',
        idNumber: ' 11010519491231002x ',
        phone: ' 13800138000\n',
        bankCardNumber: '4111-1111 1111-1111',
        appVersion: '3.10.0',
      }),
    ).toEqual({
      name: '阿沛·阿旺晋美',
      idNumber: '11010519491231002X',
      phone: '13800138000',
      bankCardNumber: '4111111111111111',
      appVersion: '3.10.0',
    });
    expect(normalizeApplicant({ phone: '13800138000' })).toEqual({ phone: '13800138000' });
  });

  it('does not mutate its argument', () => {
    const input = { name: ' 张 三 ' };
    normalizeApplicant(input);
    expect(input).toEqual({ name: ' 张 三 ' });
  });
});

describe('compareVersions', () => {
  const sign = (a: string, b: string) => Math.sign(compareVersions(a, b));

  it('compares numerically, part by part', () => {
    expect(sign('3.10.0', '3.9.9')).toBe(1);
    expect(sign('3.9.9', '3.10.0')).toBe(-1);
    expect(sign('1.2.10', '1.2.3')).toBe(1);
    expect(sign('10.0', '9.99')).toBe(1);
    expect(sign('2.0.1', '2.0.0')).toBe(1);
    expect(sign('1.0.0', '1.0.0')).toBe(0);
  });

  it('treats missing parts as 0', () => {
    expect(sign('2.0', '2.0.0')).toBe(0);
    expect(sign('2.0.0', '2.0')).toBe(0);
    expect(sign('2', '2.0.0.0')).toBe(0);
    expect(sign('2.0.0.1', '2.0')).toBe(1);
    expect(sign('3', '3.0.1')).toBe(-1);
  });
});
