"""The abuse model's hand features: the shapes of abuse that carries no swear word.

Each is a construction, not a list of slurs: a group named in the plural and then
generalised about ("all X are", "X are all", "every one of them", "by nature", "it is in
their religion") with something bad said of it (lying, stealing, violence, disloyalty);
a dehumanising metaphor (vermin, a plague, a disease, breeding, fumigation); a threat
(a conditional meeting, "we know where you live", "watch your back", "while you still
can"); and a personal attack (you + a slight on the reader's mind or worth). They feed
the abuse model of data/models.json beside the sentence embedding, and its weights for
them are learned by bench/train_triage.py; they are the model's own features, not the
newsroom's word lists (those are the `*Word*` models, which a newsroom may empty).

Pure functions of the text, so training and scoring compute the same numbers.
"""

from __future__ import annotations

import re

# A group of people named in the plural, or pointed at as a group.
_GROUP = (
    r"(?:muslims?|jews|jewry|christians|hindus|sikhs|buddhists|catholics|protestants|"
    r"evangelicals|mormons|atheists|arabs|persians|iranians|israelis|palestinians|kazakhs|"
    r"russians|ukrainians|chinese|asians|africans|europeans|americans|mexicans|latinos|"
    r"turks|kurds|afghans|pakistanis|indians|syrians|iraqis|somalis|nigerians|roma|gypsies|"
    r"french|dutch|irish|english|british|scots|welsh|poles|greeks|swedes|danes|finns|czechs|"
    r"serbs|croats|thais|filipinos|uzbeks|tajiks|kyrgyz|turkmen|travellers|"
    r"gipsies|immigrants|migrants|refugees|foreigners|settlers|blacks|whites|gays|"
    # Demonyms and followers by their endings, but not trades, parties or criminals.
    r"(?!(?:politicians|journalists|analysts|economists|scientists|specialists|physicians|"
    r"musicians|technicians|historians|guardians|civilians|veterans|republicans|partisans|"
    r"lobbyists|terrorists|extremists|activists|artists|tourists|colonists)\b)"
    r"[a-z]+(?:ians|ese|ans|ites|ists)|"
    r"(?:black|white|brown|jewish|muslim|christian|arab|asian|african|gay|hindu|kazakh|"
    r"russian|chinese|israeli|palestinian|iranian) (?:people|men|women|folk)|"
    r"these people|those people|such people|that lot|their kind|that kind|"
    r"the lot of them|every one of them|all of them|any of them|none of them|them|they)"
)
GROUP_RE = re.compile(rf"(?i)\b{_GROUP}\b")
# Said of a whole group: every one, always, by nature, because of their faith or blood.
GENERAL_RE = re.compile(
    r"(?i)\b(?:all|every(?:\s+single)?|each|any|none of|no)\s+(?:one\s+of\s+)?(?:the\s+)?"
    rf"{_GROUP}\b|"
    rf"\b{_GROUP}\s+(?:are|is|were)\s+(?:all|always|never|just|simply|nothing but|by nature)\b|"
    rf"\b{_GROUP}\s+(?:always|never|all|can never|cannot|can't|won't ever)\b|"
    r"\b(?:by (?:their )?nature|in their (?:blood|genes|nature|dna|culture|religion|faith|"
    r"holy book|scriptures?)|(?:their|whose) (?:whole |entire |very )?(?:faith|religion|"
    r"culture|race|people|kind|creed)\s+(?:is|teaches|permits|allows|tells|"
    r"was|has)|it'?s what they do|every single|to the (?:core|last man)|"
    r"(?:a|an|the) (?:whole )?(?:race|tribe|nation|people|country|bunch|pack|gang) of "
    r"(?!\d)[a-z-]+(?:s|men)\b)\b"
)
# Something bad said of people: dishonest, disloyal, criminal, violent, dirty.
NEGATIVE_RE = re.compile(
    r"(?i)\b(?:li(?:e|es|ed|ars?|ing)|deceit\w*|deceiv\w*|deception|dishonest\w*|"
    r"treacher\w*|traitors?|disloyal\w*|betray\w*|two-faced|backstab\w*|stab\w*|fake|"
    r"cannot be trusted|can'?t be trusted|never (?:be )?trust\w*|untrustworthy|"
    r"thie(?:f|ves|ving)|steal\w*|stole|swindl\w*|cheat\w*|crooks?|criminals?|"
    r"violent|violence|savage\w*|barbar\w*|murderous|bloodthirsty|terrorists?|"
    r"backward|primitive|inferior|dirty|filthy|lazy|stupid|"
    # Cowardly, servile or for sale, said of a whole people.
    r"cowards?|cowardly|spineless|servile|slaves?|beggars?|scammers?|smugglers?|drunks?|"
    r"hypocrites?|sell(?:s|ing)? (?:themselves|you out|out)|for sale|"
    r"worthless|useless|godless|evil|(?:control|own|run)s? (?:the|our|every) (?:banks?|media|"
    r"world|government|politicians|money)|pulls? the strings)\b"
)
# Metaphors that make people into pests, disease or dirt.
DEHUMANISING_RE = re.compile(
    r"(?i)\b(?:vermin|rats|rodents|cockroach\w*|roaches|lice|fleas|termites|"
    r"maggots|leeches|parasit\w*|pests?|insects|plague|diseases?|cancer(?:ous)?|tumou?rs?|"
    r"infest\w*|infect\w*|breed(?:s|ing)?\s+like|animals|beasts|subhumans?|"
    r"savages|exterminat\w*|cleans(?:e|ed|ing)|purg(?:e|ed|ing)|"
    # Herd animals and scavengers, and peoples set back in time: the cave, the Stone Age.
    r"cattle|sheep|herds?|flocks?|monkeys?|apes|dogs|mongrels|pigs|swine|locusts|vultures|"
    r"hyenas|snakes|mice|cave(?:s|m[ae]n)|stone age|middle ages|half-wild|uncivili[sz]ed|"
    r"(?:barely|not even|less than) human|"
    r"wipe[ds]?\s+(?:them\s+)?(?:out|off)|rid\s+of\s+them|filth|scum|swamp)\b"
)
# A threat of harm, veiled or not.
THREAT_RE = re.compile(
    r"(?i)\b(?:if (?:i|we) (?:ever )?(?:meet|see|catch|find|get hold of)\b|"
    r"(?:you|they)(?:'ll| will) (?:regret|pay|be sorry|answer for)|"
    r"watch (?:your|their|his|her) (?:back|step)|some(?:one|body) (?:should|ought to|will)\b|"
    r"people like (?:you|him|her|them) (?:end up|don'?t last|usually|tend to|have a way)|"
    r"(?:know|have|found|got) (?:where you live|your (?:address|home|name|family|kids)|"
    r"where (?:you|they) (?:live|work|sleep))|time for a visit|"
    r"(?:be )?careful (?:when|where|walking)|accidents happen|while you still can|"
    r"(?:won'?t|will not|wouldn'?t) walk away|carried out|answer for|what'?s coming|"
    r"(?:your|their) days are numbered|"
    r"(?:would|will) be a shame if|something (?:bad )?(?:happens?|happened) to|"
    r"enjoy (?:your|their|it) \w+ while|you have been warned|last warning|"
    r"come for (?:you|them)|we(?:'re| are) watching|where (?:he|she|you|they) lives?|"
    r"what happens to (?:you|them|him|her|people)|dark alley|remembers? (?:names|faces)|"
    r"i promise you|(?:much|any) longer, i|surprises? on your way|"
    # Intimidation that only says others are watching: "lots of people read these threads",
    # "people there talk", "wouldn't be too sure of yourself", "short careers".
    r"(?:lots of|plenty of|many) people read (?:these|this|what)|people (?:there|here) talk|"
    r"(?:wouldn'?t|would not) be (?:so |too )?sure of yourself|not all of them are as patient|"
    r"if i were you,? i'?d (?:be careful|watch|think (?:twice|about whether))|"
    r"(?:would|might) be wise to stop|short careers|quiet funerals?|"
    r"keep (?:talking|posting|writing)(?:,| and) (?:see|you'?ll|we'?ll))"
)
# Harm wished on, or called for against, people: "should hang", "I hope someone shoots".
VIOLENT_WISH_RE = re.compile(
    r"(?i)(?:\b(?:hope|wish|should|deserves? to|ought to|let'?s|need to|must|i'?ll|"
    r"i will|gonna|going to|time to)\s+(?:\w+\s+){0,4}|^\s*)"
    r"(?:shoot\w*|hang(?:ed)?|lynch\w*|drown\w*|kill\w*|murder\w*|burn\w*|"
    r"gas(?:sed)?|behead\w*|string (?:\w+ )?up|put a bullet|beat (?:\w+ )?(?:up|senseless)|"
    r"hurt|bomb\w*|nuke\w*|wipe\w*|exterminat\w*|eliminat\w*|get rid of)\b"
    # ... of people, not of a bill, a deal or an idea.
    r"(?!\s+(?:the|this|that|a)\s+(?:bill|deal|idea|motion|plan|proposal|treaty|law)\b)"
)
# A slight on the reader's mind, worth or right to speak.
ATTACK_RE = re.compile(
    r"(?i)\b(?:(?:you(?:'re| are)|you'?ve always been|you sound like|u r|ur)\s+(?:\w+\s+){0,3}"
    r"(?:idiot\w*|fool\w*|moron\w*|clowns?|ignorant|stupid|dim|dense|thick|"
    r"pathetic|worthless|brainless|nobody|failures?|losers?|joke|embarrassment|simple|"
    r"clueless|deluded|child|troll|shill|too (?:dim|thick|stupid|ignorant))|"
    r"(?:your|ur) (?:\w+\s+){0,3}(?:brain|mind|intelligence|iq|head|posts?|opinions?) "
    r"(?:\w+\s+){0,3}(?:empty|small|tiny|garbage|rubbish|worthless|drivel|nonsense)|"
    r"you,?\s+(?:\w+[\s-]){0,3}(?:idiot|moron|fool|clown|imbecile|cretin|"
    r"piece of (?:trash|garbage|work))s?|shut up|go back to (?:school|your|kindergarten)|"
    r"nobody (?:here )?(?:cares|asked|wants) (?:what|your|you)|crawl back|"
    r"people like you|your kind|"
    # The reader's mind belittled without an insulting word: too slow to follow, cannot
    # read, no brain cells, crayons.
    r"(?:you|u)(?:'re| are| r)?\s+(?:\w+\s+){0,3}too\s+\w+\s+to\s+"
    r"(?:follow|understand|read|grasp|get|see|think|spell|count)|"
    r"(?:you|u)\s+(?:\w+\s+){0,2}(?:can'?t|cannot|never learned to)\s+"
    r"(?:even\s+)?(?:read|spell|count|think)|"
    r"brain ?cells?|learn(?:ed|t)? (?:how )?to (?:read|think)|"
    r"(?:reading|basic) comprehension|crayons|ask a grown-?up)\b"
)

ABUSE_FEATURE_NAMES = ("group_generalised", "group_negative", "dehumanising",
                       "dehumanising_group", "threat", "violent_wish", "attack")
_SENTENCE_RE = re.compile(r"(?<=[.!?;])\s+|\n+")


def abuse_features(text: str) -> dict[str, float]:
    """Numbers the abuse model reads beside the sentence embedding, each 0..1."""
    sentences = [s for s in _SENTENCE_RE.split(text) if s.strip()] or [text]
    generalised = negative = dehumanised_group = 0.0
    for sentence in sentences:
        group = bool(GROUP_RE.search(sentence))
        bad = bool(NEGATIVE_RE.search(sentence))
        if group and bad:
            negative = 1.0
            if GENERAL_RE.search(sentence):
                generalised = 1.0
        if group and DEHUMANISING_RE.search(sentence):
            dehumanised_group = 1.0
    # Whole-comment generalisations can span two sentences ("Muslims smile. Never
    # believe a word any of them says.").
    if generalised == 0.0 and GENERAL_RE.search(text) and NEGATIVE_RE.search(text) and (
            GROUP_RE.search(text)) and len(sentences) <= 3:
        generalised = 0.5
    return {
        "group_generalised": generalised,
        "group_negative": negative,
        "dehumanising": float(bool(DEHUMANISING_RE.search(text))),
        "dehumanising_group": dehumanised_group,
        "threat": min(len(THREAT_RE.findall(text)), 2) / 2,
        "violent_wish": float(any(VIOLENT_WISH_RE.search(s) for s in sentences)),
        "attack": min(len(ATTACK_RE.findall(text)), 2) / 2,
    }


def vector(text: str) -> list[float]:
    values = abuse_features(text)
    return [values[name] for name in ABUSE_FEATURE_NAMES]


def why(text: str) -> list[str]:
    """The features that fired, for a moderator's note."""
    return [name.replace("_", " ") for name, value in abuse_features(text).items() if value]
