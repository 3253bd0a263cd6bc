"""Written training sentences for the abuse model, made from templates: threats (veiled
and open), dehumanising language, a religion, nationality or group generalised as
deceitful or violent, and personal attacks without swear words, each beside harmless
look-alikes that share their words and shape (a government criticised, a group named
kindly, "history will judge them", a disagreement with a named reader).

The public corpora lack these in a comment section's register: Davidson's tweets are
mostly slurs and swearing. Templates over many groups, targets and phrasings teach the
pattern, not a sentence; none is about the seed's story, and none is copied from
bench/triage_validation.json or any held-out set (bench/triage_holdout_*.json must stay
unseen). bench/train_triage.py calls `examples()`; the output is deterministic.

    .venv/bin/python bench/triage_templates.py   # prints a sample and the counts
"""

from __future__ import annotations

import random
import re

# Groups a comment section generalises about: religions, nationalities, peoples, others.
RELIGIONS = [
    ("Muslims", "Islam", "a Muslim"), ("Jews", "Judaism", "a Jew"),
    ("Christians", "Christianity", "a Christian"), ("Hindus", "Hinduism", "a Hindu"),
    ("Catholics", "the Catholic Church", "a Catholic"), ("Sikhs", "Sikhism", "a Sikh"),
    ("Mormons", "Mormonism", "a Mormon"), ("Buddhists", "Buddhism", "a Buddhist"),
    ("Evangelicals", "evangelical Christianity", "an evangelical"),
    ("Shia Muslims", "Shia Islam", "a Shia"), ("Sunnis", "Sunni Islam", "a Sunni"),
]
PEOPLES = [
    "Arabs", "Palestinians", "Israelis", "Iranians", "Turks", "Kurds", "Russians",
    "Ukrainians", "Chinese people", "Mexicans", "Africans", "Nigerians", "Somalis",
    "Pakistanis", "Afghans", "Kazakhs", "Uzbeks", "Poles", "the Roma", "Germans",
    "Americans", "Syrians", "Azeris", "Armenians", "Serbs", "Albanians", "Indians",
    "Chechens", "Koreans", "Brazilians", "the French", "the Irish", "Haitians",
    "Zionists", "Islamists", "immigrants", "refugees", "migrants", "asylum seekers",
    "gay people", "trans people", "feminists", "leftists", "conservatives", "Gypsies",
    "Bedouins", "Tajiks", "Georgians", "Lebanese", "Egyptians", "Saudis", "Yemenis",
]
GROUPS = [r[0] for r in RELIGIONS] + PEOPLES

DECEIT = [
    "liars", "cheats", "deceivers", "thieves", "backstabbers", "snakes", "crooks", "frauds",
    "swindlers", "traitors", "two-faced schemers", "con artists", "double-dealers",
]
VIOLENCE = [
    "killers", "terrorists", "savages", "murderers", "barbarians", "butchers", "fanatics",
    "bloodthirsty brutes", "rapists", "thugs",
]
BY_NATURE = [
    "by nature", "to the core", "every last one of them", "from birth", "without exception",
    "all of them", "as a people", "through and through", "down to the children",
]
SOURCES = [
    "it's in their blood", "it's in their religion", "their holy book tells them to",
    "their culture teaches it", "it's in their DNA", "their faith commands it",
    "their preachers teach it from the cradle", "it's how they are raised",
    "their scriptures allow it", "it's who they are",
]
DECEIT_ACTS = [
    "lie to outsiders", "deceive anyone who is not one of them", "break every promise",
    "smile at you while plotting against you", "cheat whoever trusts them",
    "sign treaties they never mean to keep", "pretend to want peace until they are strong",
    "say one thing to your face and another behind your back", "steal what they can",
]
VIOLENT_ACTS = [
    "kill", "wage war on their neighbours", "blow things up", "butcher the innocent",
    "spread terror", "conquer and enslave", "slaughter anyone who disagrees",
    "attack the moment they get the chance",
]
VERMIN = [
    "rats", "cockroaches", "vermin", "locusts", "lice", "maggots", "leeches", "parasites",
    "animals", "beasts", "apes", "pigs", "dogs", "a plague", "a cancer", "a virus",
    "a disease", "an infestation", "filth", "a pack of hyenas", "termites", "a swarm",
    "mongrels", "subhumans", "a herd of cattle", "germs",
]
VERMIN_ACTS = [
    "breed like rabbits", "crawl into every corner of the country", "infest every city they reach",
    "spread wherever they go", "swarm over the border", "multiply until they choke us",
    "feed on the countries that take them in", "should be exterminated",
    "need to be wiped out", "should be cleared out like pests", "rot everything they touch",
]

TARGETS = [
    "the people who signed this", "whoever negotiated this deal", "the minister", "that senator",
    "the editor of this paper", "the journalist who wrote this", "the president",
    "those diplomats", "the ambassador", "the judge", "the mayor", "these politicians",
    "the author", "the protest leaders", "the council members", "everyone who voted for it",
    "the prime minister", "the activists behind this", "the envoy", "that professor",
    "the reporters here", "the people cheering this",
]
THREATS = [
    "{T} should be very careful when they walk home at night.",
    "{T} won't be around much longer, believe me.",
    "{T} will pay for this one day, and not at the ballot box.",
    "Somebody should drop by the house of {T} and settle this properly.",
    "I know where {T} live. Remember that.",
    "{T} had better keep looking over their shoulders.",
    "People like {T} tend to have accidents.",
    "It would be a pity if something happened to {T}.",
    "We will remember the names of {T}, and we will come for them.",
    "The days of {T} are numbered.",
    "There will be a reckoning for {T}, and it will not be in a courtroom.",
    "Enjoy it while it lasts. {T} will not see many more summers.",
    "Sooner or later {T} will get what they deserve, and it will hurt.",
    "{T} should be lined up against a wall.",
    "{T} deserve a bullet, nothing less.",
    "If I ever meet {T}, they will need an ambulance.",
    "Let {T} show their faces here and see if they leave in one piece.",
    "{T} should sleep lightly from now on.",
    "Nobody would miss {T} if they disappeared one night.",
    "One day someone will make {T} answer for this with their lives.",
    "A rope and a tree is what {T} have earned.",
    "Tell {T} to check under their cars in the morning.",
    "{T} are going to regret this for the rest of their short lives.",
    "Mark my words, {T} will be dealt with, one by one.",
    "The patience of decent people is running out, and {T} will be the first to feel it.",
    "We have your address. {T} should think twice before the next speech.",
    "Hang {T} in the square and let the crowd watch.",
    "I hope {T} burn in their beds.",
    "Someone is going to put {T} in the ground, and soon.",
    "{T} should enjoy their families while they still have them.",
]
THREATS_YOU = [
    "Keep talking like that and you will find out what happens to people like you.",
    "Say that again and see what happens to you.",
    "You should be careful. We know who you are and where you work.",
    "One more comment like that and someone will come knocking at your door.",
    "People have disappeared for less than what you just wrote.",
    "You won't be so brave when we find you.",
    "I'd watch what I say if I were you. Accidents happen to loudmouths.",
    "Your family should worry about you after a post like that.",
    "We'll see how clever you are with a broken jaw.",
    "Remember this day, because you will pay for that comment.",
]
INSULT_NOUNS = [
    "fool", "imbecile", "halfwit", "clown", "buffoon", "simpleton", "cretin", "dimwit",
    "coward", "parasite", "nitwit", "troll", "bigot", "hypocrite", "liar", "lowlife",
    "degenerate", "waste of space", "nobody", "joke", "dunce",
]
INSULT_ADJS = [
    "pathetic", "brainless", "ignorant", "worthless", "spineless", "clueless", "miserable",
    "deluded", "disgusting", "gutless", "vile", "small-minded", "contemptible",
]
ATTACKS = [
    "{N}, you are a {A} {I} and everyone here knows it.",
    "Only a {A} {I} like you could write something this empty.",
    "No one here is interested in the opinions of a {I}, {N}.",
    "{N}, crawl back under your rock, you {A} {I}.",
    "You are a {A} {I}. Do the world a favour and stop typing.",
    "{N} is a {A} {I} who has never had an original thought.",
    "What a {A} {I} you are, {N}.",
    "Back to your cave, you {A} {I}.",
    "Every word you write proves you are a {A} {I}.",
    "{N}, your mother must be ashamed of the {A} {I} she raised.",
    "Shut up, {N}. Nobody wants to hear from a {I}.",
    "Pathetic. You are nothing but a {A} {I}, {N}.",
]
NAMES = ["Tom", "Sarah", "Mark", "Linda", "Yusuf", "Rachel", "Igor", "Priya", "Kevin",
         "Fatima", "Dmitri", "Hannah", "Carlos", "Aisha", "George", "Elena", "Sam", "Noura"]

GENERALISE = [
    "{G} are {D} {B}.",
    "All {G} are {D}; {S}.",
    "You can never trust {G}. They {DA}, {S}.",
    "{G} {DA}; {S}.",
    "Don't take the word of {g1} for anything. {G} {DA}.",
    "Every one of the {G} I ever met was a liar. They are {D} {B}.",
    "{R} teaches its followers to {DA}.",
    "{R} is a religion of {D}, and its followers {DA}.",
    "To {G}, fooling outsiders is a virtue: they {DA}.",
    "{G} are {V} {B}; {S}.",
    "{G} only know how to {VA}.",
    "{R} has always spread by the sword, and {G} will {VA} again.",
    "Scratch any one of the {G} and you'll find a {d1} underneath.",
    "{G} are a nation of {D}, always have been.",
    "Give {G} an inch and they will {VA}; {S}.",
    "{G} pretend to be peaceful but they are {V} {B}.",
    "{G} can't be trusted with anything, {S}.",
    "A treaty with {G} is worthless, they {DA}.",
    "{G} are behind every crime in this country, they are {D} {B}.",
    "The problem is {G} themselves: {V} {B}.",
]
DEHUMANISE = [
    "{G} are {M}.",
    "{G} are {M} and they {MA}.",
    "{G} are not people, they are {M}.",
    "{G} {MA}.",
    "These {G} are {M}, nothing more.",
    "{G} are barely human, {M} who {MA}.",
    "Treat {G} like the {M} they are.",
    "{G} are {M} that {MA}; it's time someone said it.",
    "{G} are subhuman {M}.",
    "Europe is being eaten alive by {G}, {M} who {MA}.",
    "Wherever {G} go they {MA}, like {M}.",
    "{G} should be exterminated like {M}.",
]

# Harmless look-alikes: the same groups, targets, names and words, no attack.
GOVERNMENTS = [
    "the government", "the regime in Tehran", "the Kremlin", "the ruling party", "the ministry",
    "the White House", "the president's office", "the cabinet", "the junta", "parliament",
    "the foreign ministry", "Beijing", "the leadership in Moscow", "the administration",
    "the authorities", "the Saudi government", "the Israeli government", "Hamas's leaders",
    "the Taliban", "the military council",
]
GOV_CRITIC = [
    "{Gov} lied to the public about the cost of this deal.",
    "{Gov} cannot be trusted on human rights, and this agreement changes nothing.",
    "{Gov} breaks every promise it makes to the opposition.",
    "{Gov} has deceived voters for years and should resign.",
    "I don't trust {gov} to keep its side of the bargain.",
    "{Gov} silences its critics at home; why should anyone reward it?",
    "{Gov} says one thing in public and does another in private.",
    "{Gov} is corrupt and incompetent, and this deal is proof.",
    "The agreement is a fraud dreamed up by {gov} to distract from the economy.",
    "{Gov} will sign anything for a photo opportunity.",
    "{Gov} has blood on its hands from the last war.",
    "{Gov}'s propaganda about peace is insulting to the victims.",
    "Nobody should believe {gov}'s figures; they have been wrong every year.",
]
GROUP_KIND = [
    "{G} in my town run the food bank every winter.",
    "Many {G} support this agreement, and many oppose it, like everyone else.",
    "I have {G} friends who welcome this news.",
    "{G} are as varied as any other people; generalising about them is lazy.",
    "The {G} I met while travelling were generous and curious.",
    "Blaming all {G} for what a few extremists do is wrong.",
    "My neighbours are {G} and they are the kindest people on our street.",
    "{G} have suffered a great deal in the last century.",
    "It is unfair to call {G} liars or violent; judge people one by one.",
    "{G} were here long before the border was drawn.",
    "Polls show most {G} want peace and a decent economy.",
    "{G} deserve the same rights and dignity as anyone else.",
    "As a child of {G}, I know how hurtful the stereotypes are.",
    "There are {G} on both sides of this debate.",
    "{G} and their neighbours have traded for centuries.",
    "Some {G} will be sceptical of the deal, and that is their right.",
    "The hatred directed at {G} in these comments is shameful.",
    "Stereotypes about {G} being deceitful have a long and ugly history.",
]
RELIGION_KIND = [
    "{R} has many schools, and they disagree about politics.",
    "Scholars of {R} have written a great deal about peace with neighbours.",
    "Extremists distort {R}; most believers want to live quietly.",
    "I grew up in {R} and left it, but my family are good people.",
    "The leaders of {R} in our city condemned the attack at once.",
    "{R} teaches its followers to care for strangers and the poor.",
    "Critics of {R} are allowed to debate its teachings without being called bigots.",
    "I would like to read more about how {R} is practised in Central Asia.",
]
THREAT_LOOKALIKE = [
    "{T} will pay for this at the next election.",
    "History will judge {T} harshly.",
    "Voters will remember what {T} did when they go to the polls.",
    "I hope {T} are held accountable in court.",
    "The days of {T} in office are numbered, judging by the polls.",
    "{T} should be careful what they promise; the details will come out.",
    "If I ever meet {T}, I'll ask them what this deal really achieves.",
    "{T} had better read the fine print before celebrating.",
    "{T} will get what they deserve: a hard time in the committee hearings.",
    "Let {T} come to our town hall and answer questions in public.",
    "{T} should expect tough questions from the press tomorrow.",
    "Sooner or later {T} will have to explain this to parliament.",
    "{T} will have to answer for this in the next budget debate.",
    "The opposition will come after {T} in the hearings, and rightly so.",
    "{T} deserve credit if this actually brings peace.",
    "I wouldn't want to be in the shoes of {T} when the inflation figures come out.",
    "Mark my words, {T} will regret the concessions in this deal.",
    "{T} are running out of time to fix the economy.",
]
DISAGREE = [
    "{N}, I think you are wrong about this, but I see why you say it.",
    "With respect, {N}, you have misread the article.",
    "{N}, that's a fair point about the trade figures.",
    "I disagree with {N} completely, the deal is worth it.",
    "{N}, you make a good argument, though I'm not convinced.",
    "Sorry {N}, but the numbers say otherwise.",
    "{N}, thank you for sharing that story, it moved me.",
    "{N}, I was sceptical too until I read the details.",
    "Nonsense, {N}. The treaty says the opposite.",
    "{N}, you are being naive about the region, in my view.",
    "That argument is foolish, {N}, and the history shows why.",
    "{N}, I respect you, but this is a bad deal.",
]


def _fill(template: str, rng: random.Random) -> str:
    religion = rng.choice(RELIGIONS)
    use_religion = "{R}" in template
    group = religion[0] if use_religion else rng.choice(GROUPS)
    values = {
        "G": group, "R": religion[1], "g1": religion[2] if use_religion else f"one of the {group}",
        "D": rng.choice(DECEIT), "d1": rng.choice(DECEIT).rstrip("s"),
        "V": rng.choice(VIOLENCE), "B": rng.choice(BY_NATURE), "S": rng.choice(SOURCES),
        "DA": rng.choice(DECEIT_ACTS), "VA": rng.choice(VIOLENT_ACTS), "M": rng.choice(VERMIN),
        "MA": rng.choice(VERMIN_ACTS), "T": rng.choice(TARGETS), "N": rng.choice(NAMES),
        "A": rng.choice(INSULT_ADJS), "I": rng.choice(INSULT_NOUNS),
        "gov": rng.choice(GOVERNMENTS),
    }
    values["Gov"] = values["gov"][0].upper() + values["gov"][1:]
    text = template
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    # A target or group that opens a sentence starts it with a capital.
    sentences = re.split(r"(?<=[.!?;:]) ", text)
    return " ".join(s[0].upper() + s[1:] if s[0].islower() and not s.startswith(("the ", "a "))
                    or s == sentences[0] else s for s in sentences)


def examples(per_template: int = 6, seed: int = 15) -> dict[str, list[str]]:
    """Return {"abusive": [...], "not_abusive": [...]}, `per_template` fillings of each
    template (duplicates dropped)."""
    rng = random.Random(seed)
    abusive_templates = GENERALISE + DEHUMANISE + THREATS + ATTACKS
    harmless_templates = GOV_CRITIC + GROUP_KIND + RELIGION_KIND + THREAT_LOOKALIKE + DISAGREE
    abusive = [_fill(t, rng) for t in abusive_templates for _ in range(per_template)]
    abusive += THREATS_YOU
    harmless = [_fill(t, rng) for t in harmless_templates for _ in range(per_template)]
    return {"abusive": list(dict.fromkeys(abusive)),
            "not_abusive": list(dict.fromkeys(harmless))}


if __name__ == "__main__":
    made = examples()
    for key, texts in made.items():
        print(f"{key}: {len(texts)}")
        for text in random.Random(1).sample(texts, 12):
            print(f"  {text}")
