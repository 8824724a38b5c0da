// reference.js: answers for bot/render's differential test (TestReference). Reads one JSON
// string per line on stdin and prints one JSON object per line:
//   x:     twitter-text parseTweet (weightedLength, valid, permillage, validRangeEnd) and its
//          extractors (urls, hashtags, cashtags, mentions; indices into the text as given)
//   bsky:  @atproto/api RichText graphemeLength and detectFacetsWithoutResolution's facets
// Every index is a UTF-8 byte offset [start, end), as Go slices strings.
// Run with NODE_PATH=<the folder install.sh prints>.
'use strict';
const readline = require('readline');
const twttr = require('twitter-text');

async function main() {
  // An ES module: import() does not look in NODE_PATH, so name the file.
  const path = require('path');
  const { pathToFileURL } = require('url');
  const api = path.join(process.env.NODE_PATH || '', '@atproto', 'api', 'dist', 'index.js');
  const { RichText } = await import(pathToFileURL(api).href);
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (line === '') continue;
    const text = JSON.parse(line);
    // byte offset of a UTF-16 index
    const b = (i) => Buffer.byteLength(text.slice(0, i));
    const span = (e, v) => [b(e.indices[0]), b(e.indices[1]), v];
    const p = twttr.parseTweet(text);
    const x = {
      weightedLength: p.weightedLength,
      valid: p.valid,
      permillage: p.permillage,
      validRangeEnd: p.validRangeEnd,
      urls: twttr.extractUrlsWithIndices(text).map((e) => span(e, e.url)),
      hashtags: twttr.extractHashtagsWithIndices(text).map((e) => span(e, e.hashtag)),
      cashtags: twttr.extractCashtagsWithIndices(text).map((e) => span(e, e.cashtag)),
      mentions: twttr.extractMentionsWithIndices(text).map((e) => span(e, e.screenName)),
    };
    const rt = new RichText({ text });
    rt.detectFacetsWithoutResolution();
    const facets = (rt.facets || []).map((f) => {
      const ft = f.features[0];
      const kind = ft.$type.replace('app.bsky.richtext.facet#', '');
      const value = kind === 'link' ? ft.uri : kind === 'tag' ? ft.tag : ft.did;
      return [f.index.byteStart, f.index.byteEnd, kind, value];
    });
    process.stdout.write(JSON.stringify({ x, bsky: { graphemeLength: rt.graphemeLength, facets } }) + '\n');
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
