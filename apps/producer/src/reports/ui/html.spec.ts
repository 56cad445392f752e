import { escapeHtml, href, html, SafeHtml } from './html';

describe('html', () => {
  it('escapes every interpolated value, in content and in attributes', () => {
    const name = `<script>alert("x")</script> & 'q'`;
    expect(html`<td title="${name}">${name}</td>`.value).toBe(
      '<td title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;</td>',
    );
  });

  it('keeps nested html as is, joins arrays and drops null, undefined and false', () => {
    const rows = ['<a>', 'b'].map((v) => html`<li>${v}</li>`);
    // prettier-ignore
    const list = html`<ul>${rows}${null}${undefined}${false}${0}</ul>`;
    expect(list.value).toBe('<ul><li>&lt;a&gt;</li><li>b</li>0</ul>');
  });

  it('escapes a string that merely looks like markup (only SafeHtml is trusted)', () => {
    expect(html`${'<b>bold</b>'}`.value).toBe('&lt;b&gt;bold&lt;/b&gt;');
    expect(html`${new SafeHtml('<b>bold</b>')}`.value).toBe('<b>bold</b>');
    expect(escapeHtml('a&b')).toBe('a&amp;b');
  });

  it('builds paths from encoded segments and a query', () => {
    expect(href(['ui', 'accounts', 'netzme', 'a/b?c'])).toBe('/ui/accounts/netzme/a%2Fb%3Fc');
    expect(href([], { run: 12, runsPage: undefined, x: 'a&b' })).toBe('/?run=12&x=a%26b');
  });
});
