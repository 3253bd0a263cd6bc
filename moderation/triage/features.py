"""Cheap features of a comment's text for the spam model and the noise finding: its links
and their domains, money and offer phrases, contact handles, and whether it says
anything at all.

Pure functions of the text: bench/train_triage.py computes the same features on the
training corpora as scoring does on a comment, so the committed weights fit them.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from moderation.rendering import URL_RE

# Link shorteners and chat links hide where a link goes: spammers' favourite.
SHORTENERS = frozenset({
    "bit.ly", "tinyurl.com", "goo.gl", "t.co", "ow.ly", "is.gd", "buff.ly", "t.me",
    "shorturl.at", "cutt.ly", "rebrand.ly", "tiny.cc", "shhort.com", "wa.me", "rb.gy",
})
# Top-level domains that are mostly storefronts and throwaway sites.
CHEAP_TLDS = frozenset({
    "biz", "xyz", "shop", "club", "win", "bet", "top", "online", "site", "store", "live",
    "click", "link", "loan", "casino", "vip", "icu", "buzz", "fun",
})
# A bare domain written without a scheme ("bit.ly/abc", "www.slimtea-offer.com").
BARE_DOMAIN_RE = re.compile(
    r"(?i)(?<![@\w.])((?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|biz|info|io|"
    r"xyz|shop|club|win|bet|top|online|site|store|live|click|link|ly|me|gl|co|at|gd|cc|gy|"
    r"us|uk|de|ru|pl|in|eu|ca|au|kz|tv|app|pro|ai|vip|icu|buzz|fun|today|world|space|"
    r"website|tech|deals|sale|cash|money|loan|casino))\b(?:/[^\s<>\"]*)?"
)
MONEY_RE = re.compile(
    r"(?i)(?:[$£€]\s?\d[\d,.]*k?|\d[\d,.]*\s?(?:dollars|usd|euros?|bucks)\b|"
    r"\b(?:per|a|an|every)\s+(?:hour|day|week|month)\b|"
    r"\b(?:earn(?:s|ing|ed)?|income|profit(?:s|able)?|invest(?:ment|ing)?|trading|forex|"
    r"bitcoin|btc|crypto\w*|ethereum|wallet|loans?|credit|cash|paid|payday|"
    r"discount|% off|\d+% off|bonus|casino|giveaway|free\s+(?:gift|iphone|trial|registration)|"
    r"order\s+now|buy\s+now|click\s+here|sign\s+up|join\s+(?:now|my|our|today)|"
    r"limited\s+offer|risk[- ]free|guaranteed|work\s+from\s+home|online\s+surveys?|"
    r"lose\s+\d+|weight\s+loss|belly\s+fat|fat\s+burn\w*|diet\s+pills?|keto|detox|"
    r"singles?|hot\s+(?:girls|women)|dating|hook\s?up|lonely|viagra|cialis|replica|"
    # A code to type at the checkout.
    r"(?:promo|coupon|discount|voucher|referral)\s+code|use\s+(?:the\s+)?code\s+\w+)\b)"
)
CONTACT_RE = re.compile(
    r"(?i)(?:\b(?:whats\s?app|telegram|instagram|snapchat|kik|dm\s+me|message\s+me|"
    r"contact\s+(?:me|him|her|mr|mrs|dr))\b|"
    # Self-promotion's way back to the promoter: a channel, a page, a follow.
    r"\b(?:sub(?:scribe)?\s+(?:to\s+)?(?:me|my)|sub(?:scribe)?\s+back|follow\s+me|"
    r"my\s+(?:youtube\s+)?channel|(?:visit|check\s+out|see)\s+my\s+(?:page|profile|blog|"
    r"site|videos?|music))\b|"
    # A handle with a digit or underscore ("@jamesfx_invest"); "@Adam" is a reply.
    r"(?<![\w.])@(?=[a-z0-9_]*[0-9_])[a-z0-9_]{4,}\b|"
    # An email address: a way to write to the seller.
    r"\b[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b|"
    r"\+\d[\d\s-]{7,}\d)"
)
LETTERS_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# What a comment that adds nothing says: "First!", "lol", "bump", "+1".
NOISE_WORDS = frozenset({
    "first", "1st", "second", "lol", "lmao", "lmfao", "rofl", "haha", "hahaha", "hehe",
    "bump", "same", "this", "ok", "okay", "k", "wow", "nice", "cool", "meh", "yay", "omg",
    "lolol", "xd", "ha", "hah", "yawn", "ugh", "hmm", "hm", "plus", "yes", "no", "yep",
    "nope", "me", "too",
})
NOISE_MAX_WORDS = 3

FEATURE_NAMES = ("links", "shortener", "cheap_domain", "money", "contact", "no_letters")


def domains(text: str) -> list[str]:
    """The domains the text links to, written out with or without a scheme."""
    found = []
    for url in URL_RE.findall(text):
        host = urlsplit(url if "//" in url else f"http://{url}").hostname or ""
        found.append(host.lower().removeprefix("www."))
    stripped = URL_RE.sub(" ", text)
    for match in BARE_DOMAIN_RE.finditer(stripped):
        found.append(match.group(1).lower().removeprefix("www."))
    return [d for d in found if d]


def spam_features(text: str) -> dict[str, float]:
    """Numbers the spam model reads beside the sentence embedding, each 0..1."""
    hosts = domains(text)
    return {
        "links": min(len(hosts), 3) / 3,
        "shortener": float(any(h in SHORTENERS for h in hosts)),
        "cheap_domain": float(any(h.rsplit(".", 1)[-1] in CHEAP_TLDS or "-" in h.split(".")[0]
                                  for h in hosts)),
        "money": min(len(MONEY_RE.findall(text)), 4) / 4,
        "contact": float(bool(CONTACT_RE.search(text))),
        "no_letters": float(not LETTERS_RE.search(URL_RE.sub(" ", text))),
    }


def vector(text: str) -> list[float]:
    values = spam_features(text)
    return [values[name] for name in FEATURE_NAMES]


def is_noise(text: str) -> bool:
    """True for a comment that adds nothing: no words at all (emoji, punctuation), one
    word, or up to three words that are all reactions ("lol", "First!", "me too")."""
    words = [w.lower() for w in LETTERS_RE.findall(URL_RE.sub(" ", text))]
    if URL_RE.search(text):
        return False  # a bare link is a matter for the spam signal
    if not words:
        return True
    if len(words) == 1:
        return True
    return len(words) <= NOISE_MAX_WORDS and all(w in NOISE_WORDS for w in words)


def addresses(text: str, name: str) -> bool:
    """True if `text` speaks to the person called `name`: "@Adam", "Adam, ...", or their
    first name as a word in the opening or closing words."""
    first = LETTERS_RE.findall(name or "")
    if not first or len(first[0]) < 2:
        return False
    given = first[0].lower()
    if re.search(rf"(?i)@{re.escape(name.split()[0])}\b", text):
        return True
    words = [w.lower() for w in LETTERS_RE.findall(text)]
    return given in words[:4] or given in words[-3:]


def key_terms(title: str, paragraphs: list[str]) -> frozenset[str]:
    """The article's names: capitalised words of its title, and those its text uses twice
    or more not at the start of a sentence (places, people, organisations)."""
    counts: dict[str, int] = {}
    inside: set[str] = set()  # seen capitalised inside a sentence: a name, not a first word
    for paragraph in paragraphs:
        for match in re.finditer(r"\b[A-Z][a-z]{3,}\b", paragraph):
            word = match.group(0).lower()
            counts[word] = counts.get(word, 0) + 1
            before = paragraph[:match.start()].rstrip()
            if before and before[-1] not in ".!?:\"“":
                inside.add(word)
    terms = {w for w, n in counts.items() if n >= 2 and w in inside}
    terms |= {w.lower() for w in re.findall(r"\b[A-Z][a-z]{3,}\b", title)}
    return frozenset(terms - _COMMON_CAPITALISED)


_COMMON_CAPITALISED = frozenset({
    "this", "that", "there", "they", "their", "these", "those", "what", "when", "where",
    "which", "while", "with", "will", "would", "also", "after", "before", "about", "from",
    "have", "has", "here", "more", "most", "some", "such", "than", "then", "many", "much",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "said",
    "president", "announces", "joined", "joins", "join", "reports", "news", "according",
    "however", "read", "share", "comments", "comment", "image", "photo", "credit",
    "country", "countries", "minister", "government", "state", "states", "officials",
})


def names_terms(text: str, terms: frozenset[str]) -> list[str]:
    """The article's key terms the text names, matching a shared stem of six letters
    ("Kazakh" names "Kazakhstan", "Israeli" names "Israel")."""
    if not terms:
        return []
    stems = {t[:6]: t for t in terms}
    found = []
    for word in {w.lower() for w in LETTERS_RE.findall(text)}:
        if len(word) >= 4 and (word in terms or (len(word) >= 6 and word[:6] in stems)):
            found.append(stems.get(word[:6], word))
    return sorted(set(found))
