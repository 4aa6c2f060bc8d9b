import { formatShare, html, largest, renderPage, roughDuration, safeHref, slaChart, stackedBars } from '.';

describe('the html template', () => {
  it('escapes every value and keeps nested markup', () => {
    const id = '<script>alert("x")</script> & \'co\'';
    const row = html`<td title="${id}">${id}</td>`;
    expect(row.markup).toBe('<td title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;</td>');
    expect(html`<tr>${[row, null, undefined, false, 0]}</tr>`.markup).toBe(`<tr>${row.markup}0</tr>`);
  });

  it('lets only http(s) and this server\'s paths be links', () => {
    expect(safeHref('javascript:alert(1)')).toBe('#');
    expect(safeHref('//evil.example/')).toBe('#');
    expect(safeHref('/orders/o-1')).toBe('/orders/o-1');
    expect(safeHref('https://jaeger.example/trace/1')).toBe('https://jaeger.example/trace/1');
  });

  it('escapes the labels of charts (they carry user data)', () => {
    const chart = slaChart('t', [{ label: '<b>op</b>', wide: 10, narrow: 5, slaSeconds: 8, caption: '"quoted"' }], []);
    expect(chart.markup).toContain('&lt;b&gt;op&lt;/b&gt;');
    expect(chart.markup).toContain('&quot;quoted&quot;');
    expect(stackedBars('t', [{ label: '<i>', parts: [1], caption: '' }], []).markup).toContain('&lt;i&gt;');
  });

  it('scales charts to the largest value of any number of rows, without spreading them onto the call stack', () => {
    const many = Array.from({ length: 500_000 }, (_, i) => i % 1000);
    expect(largest(many, 0)).toBe(999);
    expect(largest([], 1)).toBe(1);
    expect(largest([0.5, 0.25], 1)).toBe(1);
  });

  it('gives a whole page with its policy, and no script', () => {
    const page = renderPage({ title: 'A <title>', body: html`<p>hi</p>` });
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('<title>A &lt;title&gt;</title>');
    expect(page).toContain('<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;; img-src data:; form-action &#39;self&#39;; base-uri &#39;none&#39;">');
    expect(page).not.toContain('<script');
  });
});

describe('figures for people', () => {
  it('rounds durations to their two largest units', () => {
    expect(roughDuration(273_157)).toBe('3d4h');
    expect(roughDuration(5400.4)).toBe('1h30m');
    expect(roughDuration(95.6)).toBe('1m36s');
    expect(roughDuration(0.35)).toBe('350ms');
    expect(roughDuration(null)).toBe('—');
  });

  it('never rounds a share to 100% or 0% that is not', () => {
    expect(formatShare(0.9731)).toBe('97.3%');
    expect(formatShare(1)).toBe('100%');
    expect(formatShare(0.99999)).toBe('>99.9%');
    expect(formatShare(0.00001)).toBe('<0.1%');
    expect(formatShare(null)).toBe('—');
  });
});
