/**
 * A form made as Swift's formpost docs describe it, filled in and submitted
 * by Chromium: the browser's upload lands as an object and the browser
 * follows the 303 to the form's redirect with `status=201`. In an account
 * of its own (AUTH_test2), so its temp-url key is no other suite's.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserRig } from '../../helpers/browser-rig.js';

export function formpostSuite(rig: BrowserRig): void {
  describe('formpost from a browser', () => {
    let site: Server | undefined;
    let siteUrl: string;
    let token: string;
    let formHtml = '';

    before(async () => {
      token = await rig.cluster.token('test2:tester2', 'testing2');
      const headers = { 'x-auth-token': token };
      assert.equal((await fetch(`${rig.proxyUrl}/v1/AUTH_test2`, { method: 'POST', headers: { ...headers, 'x-account-meta-temp-url-key': 'browserkey' } })).status, 204);
      assert.equal((await fetch(`${rig.proxyUrl}/v1/AUTH_test2/web`, { method: 'PUT', headers })).status, 201);
      // The web site that hands out the form and takes the browser back afterwards.
      site = createServer((req, res) => {
        const body = req.url === '/form' ? formHtml : '<html><body>upload done</body></html>';
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
      });
      await new Promise<void>((r) => site!.listen(0, '127.0.0.1', r));
      siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    });

    after(async () => {
      await new Promise((r) => (site ? site.close(r) : r(undefined)));
    });

    it('uploads the chosen file and follows the redirect with the status', async () => {
      // Swift's docs: hmac_body = path, redirect, max_file_size, max_file_count, expires.
      const path = '/v1/AUTH_test2/web/uploads/';
      const redirect = `${siteUrl}/done`;
      const maxFileSize = 104857600;
      const maxFileCount = 10;
      const expires = Math.floor(Date.now() / 1000) + 600;
      const signature = createHmac('sha512', 'browserkey').update(`${path}\n${redirect}\n${maxFileSize}\n${maxFileCount}\n${expires}`).digest('hex');
      formHtml = `<html><body>
<form action="${rig.proxyUrl}${path}" method="POST" enctype="multipart/form-data">
  <input type="hidden" name="redirect" value="${redirect}" />
  <input type="hidden" name="max_file_size" value="${maxFileSize}" />
  <input type="hidden" name="max_file_count" value="${maxFileCount}" />
  <input type="hidden" name="expires" value="${expires}" />
  <input type="hidden" name="signature" value="${signature}" />
  <input type="file" name="file1" /><br />
  <input type="submit" />
</form></body></html>`;
      const page = await rig.newPage();
      await page.goto(`${siteUrl}/form`);
      await page.setInputFiles('input[name=file1]', { name: 'hello.txt', mimeType: 'text/plain', buffer: Buffer.from('hello from chromium\n') });
      await Promise.all([page.waitForURL(`${redirect}?**`), page.click('input[type=submit]')]);
      assert.equal(page.url(), `${redirect}?status=201&message=`);
      assert.match(await page.content(), /upload done/);
      const got = await fetch(`${rig.proxyUrl}/v1/AUTH_test2/web/uploads/hello.txt`, { headers: { 'x-auth-token': token } });
      assert.equal(got.status, 200);
      assert.equal(await got.text(), 'hello from chromium\n');
      assert.equal(got.headers.get('content-type'), 'text/plain');
      await page.context().close();
    });
  });
}
