import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_FONTCONFIG, resolveCjkFont } from '../helpers/resolve/font';

const saved = process.env.FONTCONFIG_FILE;
afterEach(() => {
  if (saved === undefined) delete process.env.FONTCONFIG_FILE;
  else process.env.FONTCONFIG_FILE = saved;
});

describe('the CJK font for the card fixtures', () => {
  it("takes npm's Noto Sans SC through the project's fontconfig file, the system's hidden", () => {
    const font = resolveCjkFont({ ignoreSystem: true });
    expect(font).toMatchObject({ family: 'Noto Sans SC', source: 'npm' });
    expect(process.env.FONTCONFIG_FILE).toBe(PROJECT_FONTCONFIG);
  });

  it('refuses, naming both remedies, when neither the system nor npm has one', () => {
    expect(() =>
      resolveCjkFont({ ignoreSystem: true, npmFontFile: '/nonexistent/NotoSansSC.ttf' }),
    ).toThrow(/npm ci.*fonts-noto-cjk/);
  });
});
