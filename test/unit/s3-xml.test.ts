/** s3api's request XML: entities and character references as XML has them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseXml, childNodes, childText } from '../../proxy/s3/xml.js';

const etags = (xml: string): (string | undefined)[] => childNodes(parseXml(Buffer.from(xml), 'CompleteMultipartUpload'), 'Part').map((p) => childText(p, 'ETag'));

test('character references decode, as rclone (Go encoding/xml) writes quoted ETags', () => {
  assert.deepEqual(etags('<CompleteMultipartUpload><Part><ETag>&#34;ab&#34;</ETag></Part><Part><ETag>&#x22;cd&#x22;</ETag></Part></CompleteMultipartUpload>'), ['"ab"', '"cd"']);
});

test("XML's five named entities decode; HTML's names stay text", () => {
  assert.deepEqual(etags('<CompleteMultipartUpload><Part><ETag>&quot;&amp;&lt;&gt;&apos;&nbsp;</ETag></Part></CompleteMultipartUpload>'), ['"&<>\'&nbsp;']);
  assert.deepEqual(etags('<CompleteMultipartUpload><Part><ETag>&amp;#34;</ETag></Part></CompleteMultipartUpload>'), ['&#34;']);
});
