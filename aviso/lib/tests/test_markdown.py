from __future__ import annotations

import pytest

from aviso.lib.markdown import render_markdown
from aviso.lib.tests.html_safety import dangerous_markup


class TestRenderMarkdown:
    def test_it_renders_headings_lists_and_links(self):
        html = render_markdown("## Impact\n\n- one\n- two\n\n[status](https://example.com/x)")
        assert "<h4>Impact</h4>" in html
        assert "<li>one</li>" in html
        assert 'href="https://example.com/x"' in html
        assert 'rel="nofollow noopener noreferrer"' in html

    @pytest.mark.parametrize(
        "body",
        [
            "<script>alert(1)</script>",
            '<img src=x onerror="alert(1)">',
            "[click](javascript:alert(1))",
            '<a href="x" onclick="alert(1)">x</a>',
            "<svg onload=alert(1)>",
            "```\n</code><script>alert(1)</script>\n```",
            '<iframe src="https://evil.example"></iframe>',
        ],
    )
    def test_script_never_reaches_the_html(self, body):
        assert dangerous_markup(render_markdown(body)) == []
