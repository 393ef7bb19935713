"""Which language a message is written in: Khmer script, romanised Khmer or English.

Replies follow the detected language, so the rule errs towards what a Cambodian phone user most
likely reads:
1. Khmer script dominates (at least 30 % of the letters are Khmer, via `nlu.khmer.khmer_ratio`),
   or any Khmer word appears next to fewer than three Latin words ("wifi password អី") → `km`.
   A few English or romanised words inside a Khmer message do not change that.
2. Otherwise the Latin words are scored against two small lexicons: frequent romanised-Khmer words
   in their common spellings (knhom, khnhom, chong, dei, bdey, ot, te, nov, sum...) and frequent
   English function words (the, my, is, to, and, what...). A word that is in neither but shows a
   romanised-Khmer letter pattern (kh/nh/ng/ch starts, "oeu", "ae", "ey" endings, doubled
   consonant starts such as "pd", "bd", "kn", "kch") counts half for `km-Latn`.
   The higher score wins; a tie goes to `km-Latn` when any romanised word was seen, else `en`.
3. Short or empty text decides by default: no letters at all (empty, digits, emoji) → `km`,
   the language of most users, so that a reply to "?" is in Khmer script; Latin text with no
   evidence either way (a name, "ok") → `en` if an English word was seen, else `km-Latn`.
"""

from __future__ import annotations

import re

from nlu.khmer import khmer_ratio, normalize
from nlu.types import Language

KHMER_SHARE = 0.3

ROMANISED_KHMER = frozenset(
    """
    knhom khnhom knhum khnom knom kgnom knyom kjom khjom nhom yerng yeung yeng ke keat koat neak
    nak bong oun paon phaon pa mae mer ov ovpuk pouk bdey pdey ptey bdei pdei prapon propon propun
    bopon kon koun kaun kmeng komar srey pros proh chong jong chang sour suor sor sou pi dei dey dai
    sre srae phteah pteah ptes phtes chamkar vay veay somlab romlop lok luy lui prak kchey khchey
    sang mean min ot te tae tea nis nih nas nah na hz hx ey avei ai yang mech mec mich klah tov tow
    mok nov nev neu jea chea sok sabay sousdey susdey suasdei sua sdei chumreap chom jum reap suor
    orkun akun arkun awkun bat baat cha chas ban bann thver tver ka kar ngar juy jouy chuoy chuay
    som sum sumtous somtos phum khum srok khet krong sangkat chlos chomlous chomloh knea prom
    somros somruol ruong rueng ploy pdeng doh sray tha teat phseng chnam khae thngai thnai yub
    pel ylov eilov ailov elov mun kroy kbe khang leu kraom robos robous oy aoy ouy ach dg deng
    doeng skal jol chol chenh kompung tinh lok teang dol tam yok dak bonhaa bonha chhob kit
    slab slap ta yeay chau ng nung nirng ning ke mdong teat moy pir bei buon pram ruos rous
    chheu chhu klach khlach tuk srov sralanh kampuch reachea chbab tolakar
    """.split()
)

ENGLISH = frozenset(
    """
    the a an i me my mine you your he him his she her it its we us our they them their is am are
    was were be been being have has had do does did not no yes and or but if then so to of in on
    at for from with by about into after before can could will would should may might must want
    need how what when where who why which this that these those there here please help thank
    thanks hello hi good morning evening please sorry want know get got tell give go going come
    land neighbour neighbor husband wife son daughter child children money pay paid police court
    law legal office village district province commune case problem dispute family house home
    work job because still again every day days year years month months ago now today tomorrow
    up down free dollar dollars site download phone number name ok okay bye stop yes hey
    greetings menu status update unsubscribe cancel end quit yep yeah yea correct right sure
    agree nope wrong nah lol price per litre
    """.split()
)

_LATIN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_ROMANISED_SHAPE = re.compile(
    r"^(?:kh|nh|ng|ch|chh|ph|th|bd|pd|pt|kn|kch|tb|sd|sr|kr|tr|pr|chr|khl|kl|mn|lm)[a-z]*$"
    r"|oeu|^[a-z]*(?:ae|ey|oa|eu|uo|ua|ieng|eang|oun|aoy)$"
)


def detect_language(text: str) -> Language:
    """The language of a message: km, km-Latn or en (see the module docstring for the rule)."""
    if not text:
        return Language.KHMER
    text = normalize(text[:2000])
    words = _LATIN_WORD.findall(text.lower())
    ratio = khmer_ratio(text)
    if ratio >= KHMER_SHARE or (ratio > 0 and len(words) < 3):
        return Language.KHMER
    if not words:
        return Language.KHMER
    km = en = 0.0
    for w in words:
        in_km, in_en = w in ROMANISED_KHMER, w in ENGLISH
        if in_km and not in_en:
            km += 1
        elif in_en and not in_km:
            en += 1
        elif in_km and in_en:  # "a", "na", "ban", "pay"...: weak evidence both ways
            km += 0.25
            en += 0.25
        elif len(w) > 2 and _ROMANISED_SHAPE.search(w):
            km += 0.5
    if km > en:
        return Language.KHMER_LATIN
    if en > km:
        return Language.ENGLISH
    return Language.KHMER_LATIN if km > 0 or en == 0 else Language.ENGLISH
