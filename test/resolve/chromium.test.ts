// The resolved browser really runs: playwright-core launches it and reads a page from loopback.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, resolveChromium } from '../helpers/resolve/chromium';

let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>resolve</title><p id="m">served over loopback</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('Chromium for the browser tests', () => {
  it('launches the resolved browser, which reads a page from a loopback server', async () => {
    const { executablePath, source } = await resolveChromium();
    if (process.env.RESOLVE_IGNORE_SYSTEM === '1') expect(source).toMatch(/npm/);
    const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, timeout: 60_000 });
    try {
      const page = await browser.newPage();
      await page.goto(url);
      expect(await page.textContent('#m')).toBe('served over loopback');
    } finally {
      await browser.close();
    }
  });
});
