#!/usr/bin/env python3
"""Builds the language guardrail's evaluation set from published text shipped by Debian.

Every text is real: sentences of the Debian installation guide (one text, translated into each
language by its translators) and, per language, a second source in that language: fortune
cookies (German, English, Spanish, Italian) or program messages as their translators wrote them
in gettext catalogues (French, Dutch). Nothing is written for the test. Texts are 20-160
characters, mostly letters, deduplicated, and drawn with a fixed seed, so the same packages give
the same file (the catalogues are those of whatever programs the machine has installed, so the
committed texts.tsv is the reference).

    apt-get install installation-guide-amd64 fortunes-min fortunes-de fortunes-es fortunes-it
    python3 data/language/build.py > data/language/texts.tsv
"""
import gettext
import glob
import html
import random
import re
import sys

PER_SOURCE = 125
GUIDE = "/usr/share/doc/installation-guide-amd64/{lang}/*.html"
FORTUNES = {
    "en": ["/usr/share/games/fortunes/fortunes", "/usr/share/games/fortunes/literature",
           "/usr/share/games/fortunes/riddles"],
    "de": sorted(p for p in glob.glob("/usr/share/games/fortunes/de/*") if not p.endswith((".dat", ".u8"))
                 and "asciiart" not in p),
    "es": sorted(glob.glob("/usr/share/games/fortunes/es/*.fortunes.u8")),
    "it": sorted(p for p in glob.glob("/usr/share/games/fortunes/it/*") if not p.endswith((".dat", ".u8"))),
}
CATALOGUES = "/usr/share/locale/{lang}/LC_MESSAGES/*.mo"


def clean(text):
    return re.sub(r"\s+", " ", text).strip()


def usable(text):
    """A sentence a chatbot could have written: the right length, mostly letters, no code."""
    if not 20 <= len(text) <= 160:
        return False
    if re.search(r"[<>{}\[\]|\\/=_@#$%^*~`]|--|\.\w+\.|\w\.\w", text):
        return False
    letters = sum(c.isalpha() for c in text)
    return letters >= 0.75 * len(text) and sum(c.isupper() for c in text) <= 0.2 * letters


def sentences(paragraph):
    return [clean(s) for s in re.split(r"(?<=[.!?])\s+(?=[A-ZÄÖÜÀ-Þ¿¡])", paragraph)]


def guide(lang):
    # Sentences a translation left in English are not in the translation's language.
    english = set() if lang == "en" else {text for _, text in guide("en")}
    for path in sorted(glob.glob(GUIDE.format(lang=lang))):
        page = open(path, encoding="utf-8").read()
        for para in re.findall(r"<p>(.*?)</p>", page, re.S):
            if "<code" in para or "<pre" in para:
                continue
            for text in sentences(html.unescape(re.sub(r"<[^>]+>", "", para))):
                if text not in english:
                    yield "installation-guide", text


def fortunes(lang):
    for path in FORTUNES[lang]:
        raw = open(path, "rb").read().decode("utf-8", errors="replace")
        for cookie in raw.split("\n%\n"):
            # Attributions ("-- Mark Twain") and dialogue are not replies.
            lines = [l for l in cookie.splitlines() if not l.strip().startswith(("--", "—"))]
            if any(re.match(r"\s*\w+:", l) for l in lines):
                continue
            yield "fortunes:" + path.split("/")[-1].removesuffix(".fortunes.u8"), clean(" ".join(lines))


def messages(lang):
    """Program messages as their translators wrote them (gettext catalogues); a message left as
    its English original is not a translation, so it is skipped."""
    for path in sorted(glob.glob(CATALOGUES.format(lang=lang))):
        if "/iso_" in path:
            continue  # names of countries and languages, not sentences
        with open(path, "rb") as f:
            catalogue = gettext.GNUTranslations(f)._catalog
        for original, translated in catalogue.items():
            if isinstance(original, tuple):
                original = original[0]  # plural forms: keyed (msgid, n)
            if original and translated != original and original not in translated:
                domain = path.split("/")[-1].removesuffix(".mo")
                for text in sentences(clean(translated.replace("&", "").replace("_", ""))):
                    yield "messages:" + domain, text


def draw(lang, texts, rng, seen):
    """PER_SOURCE texts of one source, each text once across the whole set."""
    first = {}
    for origin, text in texts:
        if usable(text) and text not in seen:
            first.setdefault(text, origin)
    pool = sorted(first)
    rng.shuffle(pool)
    if len(pool) < PER_SOURCE:
        sys.exit(f"{lang}: only {len(pool)} usable texts")
    chosen = pool[:PER_SOURCE]
    seen.update(chosen)
    return [(lang, first[t], t) for t in chosen]


def main():
    rng = random.Random(20261204)
    seen = set()
    rows = []
    for lang in ["de", "en", "es", "fr", "it", "nl"]:
        rows += draw(lang, guide(lang), rng, seen)
        rows += draw(lang, fortunes(lang) if lang in FORTUNES else messages(lang), rng, seen)
    print("language\tsource\ttext")
    for lang, source, text in rows:
        print(f"{lang}\t{source}\t{text}")


main()
