import { describe, expect, it } from 'vitest';
import { renderDriftReportHtml } from '../../src/monitoring/drift-report-html.js';
import { computeDriftReport } from '../../src/monitoring/drift/index.js';
import { categorySample, normalSample, seededRandom } from './drift-samples.js';

/**
 * Checks that an SVG fragment is well-formed XML: every tag closes in order, attributes are quoted,
 * and text holds no raw '<' or stray '&'. Returns the problems found.
 */
function xmlProblems(fragment: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  let i = 0;
  while (i < fragment.length) {
    const lt = fragment.indexOf('<', i);
    const text = fragment.slice(i, lt === -1 ? fragment.length : lt);
    if (/&(?!(amp|lt|gt|quot|#\d+);)/.test(text)) problems.push(`stray & in "${text}"`);
    if (lt === -1) break;
    tag.lastIndex = lt;
    const match = tag.exec(fragment);
    if (!match) {
      problems.push(`malformed tag at ${fragment.slice(lt, lt + 40)}`);
      break;
    }
    const [, closing, name, , selfClosing] = match;
    if (closing) {
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> closes <${open}>`);
    } else if (!selfClosing) {
      stack.push(name!);
    }
    i = tag.lastIndex;
  }
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(', ')}`);
  return problems;
}

describe('renderDriftReportHtml', () => {
  it('has a well-formedness check that catches broken markup', () => {
    expect(xmlProblems('<svg><rect x="1"></svg>')).not.toEqual([]);
    expect(xmlProblems('<svg><text>a & b</text></svg>')).not.toEqual([]);
    expect(xmlProblems('<svg><rect x=1/></svg>')).not.toEqual([]);
    expect(xmlProblems('<svg><rect x="1"/><text>a &amp; b</text></svg>')).toEqual([]);
  });

  it('renders every column with a well-formed inline SVG and no external assets', async () => {
    const r = seededRandom(11);
    const odd = 'price <usd> & "tax"';
    const report = await computeDriftReport({
      reference: {
        columns: {
          age: normalSample(r, 800, 40, 10),
          [odd]: normalSample(r, 800),
          city: categorySample(r, 800, ['Paris', 'Lyon', "L'Haÿ"], [1, 1, 1]),
          empty: [null, null],
        },
      },
      current: {
        columns: {
          age: normalSample(r, 900, 45, 10),
          [odd]: normalSample(r, 900),
          city: categorySample(r, 900, ['Paris', 'Lyon', "L'Haÿ", 'Nice'], [1, 1, 1, 1]),
          empty: [null],
        },
      },
    });
    const html = renderDriftReportHtml(report, { title: 'Drift <weekly>' });

    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<title>Drift &lt;weekly&gt;</title>');
    for (const column of report.columns) {
      expect(html).toContain(
        `<td>${column.name.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;')}</td>`,
      );
    }
    expect(html).not.toContain(odd); // escaped, never raw

    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs).toHaveLength(report.columns.length);
    for (const svg of svgs) {
      expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
      expect(xmlProblems(svg)).toEqual([]);
    }
    expect(svgs.filter((svg) => svg.includes('<rect')).length).toBe(3); // the empty column has none

    // Self-contained: nothing is loaded from elsewhere.
    expect(html).not.toMatch(/<script|<link|<img|src=|url\(|@import/i);
    expect(html.match(/https?:\/\/[^"]*/g)?.every((url) => url === 'http://www.w3.org/2000/svg')).toBe(true);
  });

  it('states the dataset verdict and marks drifted columns', async () => {
    const r = seededRandom(12);
    const report = await computeDriftReport({
      reference: { columns: { x: normalSample(r, 300) } },
      current: { columns: { x: normalSample(r, 300, 2) } },
    });
    const html = renderDriftReportHtml(report);
    expect(html).toContain('Dataset drift detected');
    expect(html).toContain('<td class="verdict drift">drift</td>');
  });
});
