// One Chromium for a browser test file, driven by playwright-core (no browser download): the one
// the resolver finds (CHROMIUM_PATH, Debian's, else the copy from npm; test/helpers/resolve/).
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, resolveChromium } from './resolve/chromium';

export async function launchBrowser(): Promise<Browser> {
  const { executablePath } = await resolveChromium();
  return chromium.launch({
    executablePath,
    args: [...new Set([...CHROMIUM_ARGS, '--no-sandbox', '--disable-dev-shm-usage'])],
  });
}
