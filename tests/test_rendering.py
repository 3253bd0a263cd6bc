from moderation.rendering import (
    html_to_text,
    mark_sentence,
    plain_text,
    render_html,
    render_text,
)


def test_text_is_escaped():
    assert render_text("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_the_seeds_broken_blockquote_shows_as_text():
    html = render_text("<blockquoteThe War Strengthened Israel")
    assert html == "&lt;blockquoteThe War Strengthened Israel"


def test_line_breaks_are_kept():
    assert render_text("one\ntwo") == "one<br>\ntwo"


def test_links_become_clickable_with_nofollow_ugc_noopener():
    html = render_text("see https://aish.com/dalia-ziada/.")
    assert html == (
        'see <a href="https://aish.com/dalia-ziada/" rel="nofollow ugc noopener">'
        "https://aish.com/dalia-ziada/</a>."
    )


def test_a_link_cannot_break_out_of_its_attribute():
    html = render_text('https://x.org/"onmouseover="alert(1)')
    assert 'href="https://x.org/"' in html
    assert "onmouseover=\"alert" not in html


def test_javascript_urls_are_not_linked():
    assert "<a" not in render_text("javascript:alert(1)")


def test_a_closing_parenthesis_that_belongs_to_a_url_is_kept():
    html = render_text("(see https://en.wikipedia.org/wiki/Foo_(bar))")
    assert 'href="https://en.wikipedia.org/wiki/Foo_(bar)"' in html
    assert html.endswith("</a>)")


def test_html_bodies_keep_allowed_tags_and_lose_the_rest():
    html = render_html(
        "<p>Hi <b>there</b><script>alert(1)</script><img src=x onerror=alert(1)></p>"
    )
    assert html == "<p>Hi <b>there</b></p>"


def test_html_links_get_rel_and_lose_javascript_hrefs():
    html = render_html('<a href="https://example.org">ok</a><a href="javascript:alert(1)">bad</a>')
    assert 'href="https://example.org"' in html
    assert 'rel="nofollow ugc noopener"' in html
    assert "javascript" not in html


def test_a_www_link_is_clickable_and_goes_to_https():
    html = render_text("see www.example.org/page, then")
    assert html == (
        'see <a href="https://www.example.org/page" rel="nofollow ugc noopener">'
        "www.example.org/page</a>, then"
    )


def test_html_becomes_text_one_block_per_line_without_scripts_or_entities():
    html = "<p>Fish &amp; chips</p><ul><li>one<li>two</ul><script>alert(1)</script>"
    assert html_to_text(html) == "Fish & chips\none\ntwo"
    assert plain_text(html, "html") == "Fish & chips\none\ntwo"
    assert plain_text("<b>as typed</b>", "text") == "<b>as typed</b>"


# A sentence marked for the moderator's eye.

WORST = "They are vermin & should go."


def test_a_sentence_in_a_text_body_is_marked_where_it_is():
    html = mark_sentence(render_text(f"I read the deal. {WORST} Nothing else."), WORST, "worst")
    assert html == ('I read the deal. <mark class="mod-worst-sentence" title="worst">'
                    "They are vermin &amp; should go.</mark> Nothing else.")


def test_a_sentence_in_an_attribute_is_left_alone_and_the_text_one_marked():
    body = f'<p><a href="https://example.com/" title="{WORST}">a link</a> {WORST}</p>'
    html = mark_sentence(render_html(body), WORST, "worst")
    assert html.count("<mark") == 1
    assert 'title="They are vermin &amp; should go."' in html
    assert html.endswith('<mark class="mod-worst-sentence" title="worst">'
                         "They are vermin &amp; should go.</mark></p>")


def test_a_sentence_that_is_not_there_as_written_changes_nothing():
    body = render_text("They are vermin\n& should go.")  # a line break inside it
    assert mark_sentence(body, WORST, "worst") == body


def test_the_marks_title_is_escaped():
    html = mark_sentence(render_text(WORST), WORST, '"><script>alert(1)</script>')
    assert "<script>" not in html and "&quot;&gt;&lt;script&gt;" in html
