"""The naughty-strings and XSS corpora, posted as names and bodies and approved, render as
inert text in Chromium: no dialog, no script, no injected element or global, no errors."""

import pytest
from playwright.sync_api import expect

from moderation import services
from moderation.models import Comment
from tests.factories import make_article, make_comment
from tests.test_posting_hostile import author_for, hostile_strings, is_blank

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Payloads that a working exploit would run call these, or open a dialog: record both.
TRAPS = """
window.__payloadCalls = [];
for (const name of ["alert", "confirm", "prompt", "print", "open"]) {
  window[name] = (...args) => { window.__payloadCalls.push([name, String(args[0])]); };
}
"""

# What the thread's own markup is made of; any other element or attribute came from a
# payload. Checked on every element under the thread and the posted-comment previews.
INSPECT = """
(root) => {
  const TAGS = new Set(["OL", "LI", "DIV", "SPAN", "A", "TIME", "P", "BR"]);
  const ATTRS = new Set(["id", "class", "style", "data-depth", "href", "rel", "datetime",
                         "hx-get", "hx-target", "role"]);
  const problems = [];
  for (const el of document.querySelectorAll(root + ", " + root + " *")) {
    if (!TAGS.has(el.tagName)) problems.push("element " + el.outerHTML.slice(0, 120));
    for (const attr of el.attributes) {
      if (!ATTRS.has(attr.name)) problems.push("attribute " + attr.name + " on " + el.tagName);
    }
    const style = el.getAttribute("style");
    if (style !== null && !/^--depth:\\d+$/.test(style)) problems.push("style " + style);
    if (el.tagName === "A" && !/^(https?:\\/\\/|\\/|#|\\?)/.test(el.getAttribute("href")))
      problems.push("link " + el.getAttribute("href"));
  }
  return problems;
}
"""

# Anywhere in the document: what no page of ours contains.
PAGE_CHECK = """
() => {
  const problems = [];
  const foreign = "img, svg, math, iframe, frame, frameset, object, embed, video, audio, " +
    "base, marquee, isindex, applet, meta[http-equiv], link[rel=import], " +
    "a[href^='javascript:' i], form[action^='javascript:' i], [src^='javascript:' i]";
  for (const el of document.querySelectorAll(foreign)) problems.push(el.outerHTML.slice(0, 120));
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      if (/^on/i.test(attr.name)) problems.push("handler " + attr.name + " on " + el.tagName);
    }
  }
  for (const script of document.scripts) {
    if (!script.src || !new URL(script.src).pathname.startsWith("/static/"))
      problems.push("script " + script.outerHTML.slice(0, 120));
  }
  return problems;
}
"""

ITEMS = """
() => [...document.querySelectorAll("ol.thread > li.comment")].map(li => ({
  id: Number(li.id.slice(1)),
  author: li.querySelector(".author").textContent,
  body: li.querySelector(".comment-body").textContent,
  replyTo: li.querySelector(".in-reply-to") ? li.querySelector(".in-reply-to").textContent : null,
}))
"""

OWN_GLOBALS = "() => Object.getOwnPropertyNames(window).sort()"

# Posted through the real form in the browser: a spread of both lists that an input field
# can hold as they are (one line, at most 100 characters for the name).
FORM_SAMPLE = [
    "<script>alert(123)</script>",
    "<img src=x onerror=alert(1)//>",
    "<svg><script>alert&#40;1&#41</script>",
    "javascript:alert(1)",
    "\"><img src=x onerror=prompt(document.cookie)>",
    "'; DROP TABLE users; --",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    "ثم نفس سقطت وبالتحديد،, جزيرتي باستخدام أن دنو.",
    "Ṱ̺̺̕o͞ ̷i̲̬͇̪͙n̝̗͕v̟̜̘̦͟o̶̙̰̠kè͚̮̺̪̹̱̤",
    "👩🏽‍🚒 🏳️‍🌈 ❤️",
    "<a href=\"javascript\\x3Ajavascript:alert(1)\" id=\"fuzzelement1\">test</a>",
]


def as_text(body: str) -> str:
    """What the browser's textContent gives for a body rendered as text: the HTML parser
    turns CR LF and lone CR into LF."""
    return body.replace("\r\n", "\n").replace("\r", "\n")


def watch(page) -> list[str]:
    problems = []
    page.add_init_script(TRAPS)
    page.on("dialog", lambda d: (problems.append(f"dialog {d.type}: {d.message}"), d.dismiss()))
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.on("response", lambda r: r.status >= 500 and problems.append(f"{r.status} {r.url}"))
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    return problems


def test_hostile_text_posted_through_the_form_renders_inert(live_server, page, settings):
    settings.FORMGUARD_TOKEN_MIN_SECONDS = 0
    settings.COMMENTS_POST_RATE = None
    article = make_article()
    problems = watch(page)
    page.goto(live_server.url + article.get_absolute_url())

    for text in FORM_SAMPLE:
        form = page.locator("#comment-form")
        form.get_by_label("Name").fill(text[:100])
        form.get_by_label("Comment").fill(text)
        form.get_by_role("button", name="Post comment").click()
        # The writer's preview of what they posted is text too.
        expect(page.locator("#comment-form-area .posted .comment-body")).to_have_text(text)
        assert page.evaluate(INSPECT, "#comment-form-area .posted-comment") == []

    comments = list(Comment.objects.filter(article=article).order_by("pk"))
    assert [c.body for c in comments] == FORM_SAMPLE
    assert [c.author_name for c in comments] == [t[:100].strip() for t in FORM_SAMPLE]
    # The writer sees them awaiting moderation in the thread; then they are approved.
    page.reload()
    expect(page.locator("li.comment-awaiting")).to_have_count(len(FORM_SAMPLE))
    assert page.evaluate(INSPECT, "ol.thread") == []
    result = services.bulk_approve(comments=comments, actor=None)
    assert len(result.changed) == len(FORM_SAMPLE)

    page.reload()
    items = page.evaluate(ITEMS)
    assert [(i["author"], i["body"]) for i in items] == [
        (t[:100].strip(), t) for t in FORM_SAMPLE
    ]
    assert page.evaluate(INSPECT, "ol.thread") == []
    assert page.evaluate(PAGE_CHECK) == []
    assert page.evaluate("window.__payloadCalls") == []
    assert problems == []


def test_the_whole_corpus_approved_renders_as_text_with_no_script_and_no_errors(
    live_server, page, settings
):
    settings.COMMENTS_PER_PAGE = 5000  # every comment on one page
    strings = [s for s in hostile_strings() if not is_blank(s)]
    article = make_article()
    problems = watch(page)

    # A baseline: the same page with one harmless comment, for the window's own globals.
    baseline = make_article()
    make_comment(baseline, body="Harmless.")
    page.goto(live_server.url + baseline.get_absolute_url())
    baseline_globals = page.evaluate(OWN_GLOBALS)

    # Every string as a name and a body; every fifth answers the comment before it, so
    # hostile names also show in "in reply to ...".
    posted = []
    for n, text in enumerate(strings):
        parent = posted[-1] if n % 5 == 4 else None
        posted.append(services.post_comment(
            article=article, author_name=author_for(text), body=text, parent=parent,
        ))
        if parent is None:
            services.approve(comment=posted[-1], actor=None)
    services.bulk_approve(comments=[c for c in posted if c.status == "pending"], actor=None)
    assert Comment.objects.filter(article=article).visible().count() == len(strings)

    response = page.goto(live_server.url + article.get_absolute_url())
    assert response.status == 200
    items = page.evaluate(ITEMS)
    by_id = {c.pk: c for c in posted}
    assert len(items) == len(strings)
    for item in items:
        comment = by_id[item["id"]]
        assert item["author"] == comment.author_name, comment.pk
        assert item["body"] == as_text(comment.body), comment.pk
        if comment.parent_id:
            assert item["replyTo"] == f"in reply to {by_id[comment.parent_id].author_name}"

    assert page.evaluate(INSPECT, "ol.thread") == []
    assert page.evaluate(PAGE_CHECK) == []
    assert page.evaluate("window.__payloadCalls") == []
    assert page.evaluate(OWN_GLOBALS) == baseline_globals
    # Hovering over the first bodies wakes no handler either.
    for body in page.locator(".comment-body").all()[:40]:
        body.hover()
    assert page.evaluate("window.__payloadCalls") == []
    assert problems == []
