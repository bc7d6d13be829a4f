// The CJK font the synthetic ID cards are drawn in. sharp renders SVG text through librsvg and
// fontconfig, so the font is whatever fontconfig finds: Debian's fonts-noto-cjk when the machine's
// fontconfig has it (checked with fc-list), else Noto Sans SC from npm through the project's own
// fontconfig file (test/fixtures/fonts.conf), set as FONTCONFIG_FILE before the first text render.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { announce, ignoreSystem, onPath, projectRoot } from './common';

export interface ResolvedFont {
  /** The family name the SVG asks for. */
  family: string;
  source: string;
  /** The fontconfig file set as FONTCONFIG_FILE, when the npm copy is used. */
  fontconfigFile?: string;
}

export const NPM_FONT_PACKAGE = '@expo-google-fonts/noto-sans-sc';
export const PROJECT_FONTCONFIG = join(projectRoot, 'test', 'fixtures', 'fonts.conf');
const NPM_FONT_FILE = join(
  projectRoot,
  'node_modules',
  NPM_FONT_PACKAGE,
  '400Regular',
  'NotoSansSC_400Regular.ttf',
);

/** The Noto CJK SC family the machine's fontconfig (FONTCONFIG_FILE included) lists, if any. */
function systemCjkFamily(): string | undefined {
  const fcList = onPath('fc-list');
  if (!fcList) return undefined;
  try {
    const families = execFileSync(fcList, [':lang=zh', 'family'], { encoding: 'utf8' });
    return /Noto (Sans|Serif) CJK SC/.exec(families)?.[0];
  } catch {
    return undefined;
  }
}

export interface FontOptions {
  ignoreSystem?: boolean;
  /** The npm copy's TTF (a parameter for the resolver's own test). */
  npmFontFile?: string;
}

/** Picks the font and, for the npm copy, points this process's fontconfig at it. */
export function resolveCjkFont(options: FontOptions = {}): ResolvedFont {
  if (!(options.ignoreSystem ?? ignoreSystem())) {
    const family = systemCjkFamily();
    if (family) {
      announce('CJK font', `${family} (the machine's fontconfig, fc-list :lang=zh)`);
      return { family, source: 'system' };
    }
  }
  const ttf = options.npmFontFile ?? NPM_FONT_FILE;
  if (!existsSync(ttf) || !existsSync(PROJECT_FONTCONFIG))
    throw new Error(
      `No Noto CJK font: fontconfig lists none (fc-list :lang=zh) and ${ttf} is missing. ` +
        `Run npm ci (it installs ${NPM_FONT_PACKAGE}), ` +
        'or on Debian apt-get install fonts-noto-cjk fontconfig.',
    );
  // fontconfig reads FONTCONFIG_FILE once, when sharp first lays out text in this process.
  process.env.FONTCONFIG_FILE = PROJECT_FONTCONFIG;
  announce(
    'CJK font',
    `Noto Sans SC from npm (${NPM_FONT_PACKAGE}, FONTCONFIG_FILE=${PROJECT_FONTCONFIG})`,
  );
  return { family: 'Noto Sans SC', source: 'npm', fontconfigFile: PROJECT_FONTCONFIG };
}
