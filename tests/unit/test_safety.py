"""The safety override detects danger in Khmer script, romanised Khmer and English, with high recall.

The sentences here were written for these tests (none is copied from the training or held-out sets).
"""

from __future__ import annotations

import pytest

from nlu.safety import CATEGORIES, assess_danger, danger_negated

# (message, a category that must be found)
DANGER = [
    # --- Khmer script -------------------------------------------------------------------------
    ("ប្តីខ្ញុំវាយខ្ញុំរាល់យប់", "violence"),
    ("ប្ដី ខ្ញុំ វាយ ខ្ញុំ", "violence"),  # spaces between words, other DA subscript
    ("គាត់ធាក់ពោះខ្ញុំ ពេលខ្ញុំមានផ្ទៃពោះ", "violence"),
    ("ប្តីយកកាំបិតគំរាមខ្ញុំ", "threat"),
    ("គេថានឹងសម្លាប់ខ្ញុំ បើខ្ញុំប្តឹង", "threat"),
    ("ប្អូនស្រីខ្ញុំត្រូវគេរំលោភ", "sexual_abuse"),
    ("គេយកកូនស្រីខ្ញុំទៅលក់នៅចិន", "trafficking"),
    ("ថៅកែដកហូតលិខិតឆ្លងដែនខ្ញុំ", "trafficking"),
    ("ខ្ញុំនៅម៉ាឡេស៊ី គេមិនឲ្យចេញពីរោងចក្រ", "trafficking"),
    ("ខ្ញុំជំពាក់បំណុលថៅកែ គេបង្ខំឲ្យធ្វើការមិនឲ្យឈប់", "forced_labour"),
    ("ខ្ញុំធ្វើការនៅឡឥដ្ឋ ជាប់បំណុល", "forced_labour"),
    ("ក្មេងអាយុ១២ឆ្នាំធ្វើការនៅការដ្ឋាន", "child_at_risk"),
    ("កូនស្រីខ្ញុំអាយុ១៥ឆ្នាំ ឪពុកចង់ឲ្យរៀបការ", "child_at_risk"),
    ("កូនប្រុសខ្ញុំបាត់ខ្លួនបីថ្ងៃហើយ", "child_at_risk"),
    ("ម្តាយចុងវាយកូនខ្ញុំ", "child_at_risk"),
    ("ប្តីខ្ញុំដុតផ្ទះ", "violence"),
    ("អ្នកជិតខាងគំរាមកំហែងគ្រួសារខ្ញុំរាល់ថ្ងៃ", "threat"),
    ("មេក្រុមបៀតបៀនផ្លូវភេទខ្ញុំ", "sexual_abuse"),
    ("បងស្រីខ្ញុំទៅធ្វើការនៅថៃ គេបោកហើយមិនអោយត្រឡប់មកវិញ", "trafficking"),
    ("ខ្ញុំខ្លាចប្តីណាស់ មិនហ៊ានទៅផ្ទះ", "threat"),
    ("កូនខ្ញុំ២នាក់ឃ្លានបាយរាល់ថ្ងៃ ម្តាយចុងមិនឲ្យញ៉ាំ", "child_at_risk"),
    # --- romanised Khmer (many spellings) --------------------------------------------------------
    ("bdey khnhom vay khnhom", "violence"),
    ("pdey knhom veay knhom rol thngai", "violence"),
    ("ptey kgnom vayyy kgnom", "violence"),
    ("ke yok kambet chak knhom", "violence"),
    ("ke tha nung somlab knhom", "threat"),
    ("ke nung sam lab khnhom bae knhom pdeng", "threat"),
    ("bdey kumream knhom reang rol yub", "threat"),
    ("kon srey knhom trov ke romlop", "sexual_abuse"),
    ("ke chap rom lop phaon srey knhom", "sexual_abuse"),
    ("ke lok kon srey knhom tov srok chin", "trafficking"),
    ("mchas rong chakr yok passport knhom", "trafficking"),
    ("knhom nov Thai, ke min aoy chenh pi kanleng tver kar", "trafficking"),
    ("knhom tver kar nov malaysia, ke bauk knhom, chenh min ban", "trafficking"),
    ("ke bangkhom aoy tver ka sang bomnol, min oy chhob", "forced_labour"),
    ("knhom tver kar nov lo eth, jompeak bomnol min ach chenh", "forced_labour"),
    ("kmeng ayu 12 tver kar nov chamkar", "child_at_risk"),
    ("kon srey knhom bat khluon 2 thngai hz", "child_at_risk"),
    ("mday chong vay kon knhom rol thngai", "child_at_risk"),
    ("ke dot phteah knhom", "violence"),
    ("knhom klach bdey nas", "threat"),
    # --- English ----------------------------------------------------------------------------------
    ("my husband beats me", "violence"),
    ("He hit me again last night", "violence"),
    ("my father in law kicked me out and punched my face", "violence"),
    ("he said he will kill me if I go to the police", "threat"),
    ("he threatened me with a knife", "threat"),
    ("my boss raped me", "sexual_abuse"),
    ("a teacher touched my daughter", "sexual_abuse"),
    ("they sold my sister to a man in China", "trafficking"),
    ("the agent took my passport and I cannot leave the factory", "trafficking"),
    ("I am locked in a house in Sihanoukville", "trafficking"),
    ("went to Thailand for a job but it was a scam company and they wont let me go", "trafficking"),
    ("I have to work to pay off the debt and the owner will not let me quit", "forced_labour"),
    ("we are forced to work 16 hours at the brick kiln", "forced_labour"),
    ("my 13 year old son is working on a construction site", "child_at_risk"),
    ("my daughter is 15 and they want her to marry an old man", "child_at_risk"),
    ("my child is missing since Sunday", "child_at_risk"),
    ("the neighbour beats his kids with a stick", "child_at_risk"),
    ("he burned my arm with a cigarette", "violence"),
    ("I'm scared to go home, he is waiting for me", "threat"),
    ("my brother went to work in Malaysia and we lost contact, the broker lied", "trafficking"),
    ("he didn't hit me this time but he said he would", "violence"),  # negation: still an alarm
]

# Ordinary dispute / legal / chit-chat messages that must NOT raise an alarm.
ORDINARY = [
    "my neighbour moved the boundary of my rice field",
    "he borrowed 500 dollars and never paid back",
    "how do I get a copy of my birth certificate",
    "what does the law say about inheritance between brothers",
    "the man sold me land with a fake title",
    "I sold my land to him but he did not pay the rest",
    "his cows ate my rice, I want compensation",
    "can JSC help with a debt between two villagers",
    "what documents do I need to register my marriage",
    "how much is a passport and how long does it take",
    "hello, is this the justice service centre",
    "thank you for your help",
    "what is the status of my case",
    "the water from his roof floods my house when it rains",
    "I live in Battambang, Bavel district",
    "knhom mean chomlous dei jea moy neak phum khang phteah",
    "neak phum ke romlop dei knhom 2 maet",  # land encroachment, not rape
    "company mok veay tomlei dei knhom mun tinh",  # veay tomlei: evaluate, not hit
    "ke kab chhe nov prey sahakum",  # cutting trees
    "bong pros knhom kchey luy ot sang vinh",
    "knhom chong dg pi chbab mordok",
    "sousdey bong, knhom nov khet Battambang",
    "sombot komnaet kon knhom bat, som thmey ban te",  # lost document, not a missing child
    "ke lok dei aoy neak phseng 2 dong",  # sold land twice
    "អ្នកជិតខាងរំលោភយកដីខ្ញុំ ២ម៉ែត្រ",  # land grabbing, not rape
    "ខ្ញុំរស់នៅស្រុកស្វាយជ្រំ ខេត្តស្វាយរៀង",  # ស្វាយ (mango) contains វាយ (hit)
    "មជ្ឈមណ្ឌលសេវាយុត្តិធម៌ធ្វើការអ្វីខ្លះ",  # សេវា យុត្តិធម៌ contains វាយ
    "ខ្ញុំនៅខេត្តបាត់ដំបង ចង់ដឹងពីច្បាប់ដីធ្លី",  # បាត់ (lost) inside Battambang
    "បងប្រុសខ្ញុំកាន់កាប់ផ្ទះម៉ែម្នាក់ឯង",  # កាន់កាប់ (occupy) contains កាប់ (chop)
    "អ្នកជិតខាងបង្ហូរទឹកចូលផ្ទះខ្ញុំ",  # ផ្ទះ (house) contains ទះ (slap)
    "ខ្ញុំចង់ស្នើសុំសំបុត្រកំណើតថ្មី",
    "កូនខ្ញុំចង់ដឹងពីច្បាប់មរតក",
]

# Messages that mention danger in the negative or in a question: flagged on purpose.
FLAGGED_ON_PURPOSE = [
    ("we argue about the land but nobody hit anyone", "violence"),
    ("ot mean vay knea te, kre chlos pi ruong dei", "violence"),
    ("what is the punishment for rape", "sexual_abuse"),
    ("ច្បាប់ស្ដីពីអំពើហិង្សាក្នុងគ្រួសារ និយាយអ្វីខ្លះ", "violence"),
]


# Round 11: a person who says they want to die or to end their life (self_harm, always urgent).
SELF_HARM = [
    "ខ្ញុំចង់ស្លាប់ បំណុលច្រើនពេក",
    "ខ្ញុំមិនចង់រស់ទៀតទេ សុំទោសម៉ែ",
    "គាត់និយាយថាចង់សម្លាប់ខ្លួន",
    "kinom jong slap hz, ot mean nak tra kar knhom",
    "khnhom ot chong ros tiet, som tos mak",
    "kon srey knhom tha chong samlab khluon",
    "i wanna die, nobody needs me",
    "my sister said she will kill herself tonight",
    "I dont want to live anymore",
    "he is suicidal since he lost the farm",
    "i dont want live anymore, too much debt",  # "to" left out (round 13)
    "i want die, nobody help me",
    "so tired of living like this",
    "im going to die tonight, i have the rope ready",
    "i dont want to live in this world anymore",  # "in" ends no self-harm (review)
    "ខ្ញុំមិនចង់រស់នៅលើលោកនេះទៀតទេ",
    "knhom ot chong ros nov leu lok nis tiet",
]
# Khmer "X ចង់ស្លាប់" (hot / tired / funny "enough to die") and "chong slab" alone are intensifiers;
# not wanting to live *with* someone is a divorce.
NOT_SELF_HARM = [
    "ក្តៅចង់ស្លាប់ ភ្លើងដាច់ពេញមួយថ្ងៃ",
    "សើចចង់ស្លាប់ រឿងកំប្លែងនេះ",
    "ខ្ញុំមិនចង់រស់នៅជាមួយប្តីទៀតទេ តើលែងលះត្រូវធ្វើម៉េច",
    "hot chong slab, ot mean pleung",
    "I do not want to live with my in-laws, can we get our own land title",
    "the price of rice will die down after harvest",
    "we dont want live near the new factory, can the commune stop it",
    "my parents do not want to live alone in the village",
    "my cows are going to die without the pasture he fenced off",
]


@pytest.mark.parametrize("text", SELF_HARM)
def test_self_harm_is_found_and_urgent(text):
    danger = assess_danger(text)
    assert "self_harm" in danger.categories and danger.urgent, (text, danger)


@pytest.mark.parametrize("text", NOT_SELF_HARM)
def test_intensifiers_and_living_apart_are_no_self_harm(text):
    assert "self_harm" not in assess_danger(text).categories


def test_the_lists_are_as_large_as_promised():
    assert len(DANGER) >= 60
    assert len(ORDINARY) >= 30


@pytest.mark.parametrize("text,category", DANGER)
def test_danger_is_detected_in_three_scripts(text, category):
    danger = assess_danger(text)
    assert category in danger.categories, (text, danger)


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_messages_raise_no_alarm(text):
    assert assess_danger(text).categories == ()


@pytest.mark.parametrize("text,category", FLAGGED_ON_PURPOSE)
def test_negations_and_questions_about_danger_still_alarm(text, category):
    assert category in assess_danger(text).categories


def test_categories_come_in_a_fixed_order_and_only_known_names():
    danger = assess_danger("my husband beats our son and said he will kill us")
    assert danger.categories == ("violence", "threat", "child_at_risk")
    assert set(danger.categories) <= set(CATEGORIES)


@pytest.mark.parametrize(
    "text,urgent",
    [
        ("my husband hit me last year", False),  # past violence: protection, not urgent
        ("bdey knhom vay knhom", False),
        ("my husband is beating me now, help me", True),  # immediacy
        ("bdey knhom vay knhom ylov, juy phong", True),
        ("ប្តីខ្ញុំកំពុងវាយខ្ញុំ ជួយខ្ញុំផង", True),
        ("he said he will kill me", True),  # threat to kill
        ("he came with a knife", True),  # weapon
        ("my boss touched me", True),  # sexual abuse is always urgent
        ("they took my passport", True),  # trafficking
        ("the neighbour slaps his son", True),  # a child
        ("the owner makes us work to pay off the debt and we cannot quit", False),  # forced labour alone
        ("my neighbour moved the boundary", False),
    ],
)
def test_urgency_rule(text, urgent):
    assert assess_danger(text).urgent is urgent


@pytest.mark.parametrize("text", ["", "   ", "😀😀", "12345", "?" * 10_000, "a" * 20_000])
def test_garbage_is_not_danger_and_does_not_raise(text):
    danger = assess_danger(text)
    assert danger.categories == () and danger.urgent is False


def test_danger_beyond_the_scan_limit_is_not_read_but_the_start_is():
    assert assess_danger("he beats me " + "x " * 5000).categories == ("violence",)
    assert assess_danger("x " * 5000 + " he beats me").categories == ()


def test_a_stated_age_under_18_makes_a_child():
    assert "child_at_risk" in assess_danger("kon srey knhom 16 chnam trov ke aoy reab ka").categories
    assert assess_danger("knhom kchey luy 2 chnam mun hz").categories == ()  # a duration, not an age


def test_confinement_and_cut_off_from_family_with_the_person_in_between():
    for text in (
        "he doesn't let me leave the house",
        "she never lets me go home",
        "they took my phone and won't let me call my family",
        "ថៅកែមិនឲ្យយើងត្រឡប់មកផ្ទះវិញ",
        "ប្តីមិនឲ្យខ្ញុំចេញពីផ្ទះ",
    ):
        assert "trafficking" in assess_danger(text).categories, text
    assert "child_at_risk" in assess_danger("my uncle forces my little cousin to beg at the market").categories
    assert assess_danger("my ex won't let me see my children on Sundays").categories == ()


# Every danger word denied, no urgency, no hint of past or future violence: the service may let a
# confident dispute / legal answer stand (the detector itself still reports the category).
CLEARLY_NEGATED = [
    "we argue about the land but he never hit me",
    "my neighbour and I quarrel about the fence, no one hit anyone",
    "there was no violence or threats, only a debt",
    "nobody was hurt, his cows ate my rice",
    "he has never been violent, he just does not pay",
    "ot mean vay te, kre chlos pi ruong prom dei",
    "bong pros knhom min ban vay knhom te, tae ke ot sang luy",
    "kmean neak na vay neak na te, yerng chlos ruong tuk",
    "ot vay reu komream te, kroan tae chlos",
    "គ្មានអ្នកណាវាយទេ យើងឈ្លោះគ្នារឿងដី",
    "គាត់មិនបានវាយខ្ញុំទេ គ្រាន់តែមិនព្រមសងលុយ",
    "គ្មានអំពើហិង្សាទេ",
    "គាត់មិនបានធាក់ឬវាយខ្ញុំទេ គ្រាន់តែជេរ",
]

# Victims whose words include negations: never treated as a denial.
NEGATION_IN_A_VICTIM_MESSAGE = [
    "he said he will not stop hitting me",  # "stop" between the negation and the danger word
    "I can't go home, he beats me",  # the danger word itself is not negated
    "I'm not safe at home",  # the term carries its own negation
    "he did not just slap me, he choked me",
    "he never hit me before, but last night he beat me badly",  # one denied, one not
    "he didn't hit me this time but he said he would",  # "this time", "would": past / future
    "he has not hit me yet but he says he will",
    "nobody hit me, please help, he is coming now",  # urgency
    "he did not hit me, he came with a knife",  # a weapon outside the denial
    "mos he min oy knhom chenh pi phteah",
    "bdey knhom min chhob vay knhom te",  # chhob = stop
    "ke ot vay knhom tiet te, tae knhom klach",  # tiet = any more
    "pdey ot ban vay knhom te, tae ke tha nung somlab knhom",
    "ប្តីខ្ញុំមិនឈប់វាយខ្ញុំទេ",  # ឈប់ = stop
    "គាត់មិនវាយខ្ញុំទៀតទេ",  # ទៀត = any more
    "គាត់មិនទាន់វាយខ្ញុំទេ តែគាត់គំរាមរាល់ថ្ងៃ",  # ទាន់ = yet
    "គ្មានអ្នកណាជួយខ្ញុំទេ ប្តីវាយខ្ញុំរាល់យប់",
    "គេមិនឲ្យខ្ញុំចេញពីផ្ទះទេ",
]


# English danger words are matched as written, never through romanised spelling variants, and
# their stems do not run into other words: "kilo" is no kill, "bonchol luy" (top up) no punch,
# "note" no nude, and a bare "slap" is romanised ស្លាប់ (die).
NOT_DANGER_ANY_MORE = [
    "sach ko thngai nis tlai ponman 1 kilo",  # the price of beef per kilo
    "som bonchol luy tel 3 dolla",  # top up my phone
    "bunchol luy chol kaboak ot ban",
    "he left a note saying he would pay on Monday",
    "yeay knhom slap haey, chong pteh plong dei",  # grandma died, transfer the land title
    "kon ko slap mouy, ke ot prom sang",  # a calf died
    "he had a heart attack last year and the loan is in his name",
    "a customer says she will kill my page with reviews",
    "ត្រូវវាយលេខអ្វីដើម្បីចូល",  # what number do I type
    "a saw cut my finger at work last year, I want my last wages",
    "the rice I sold him last season is still unpaid",
    "អ្នកជិតខាងធ្វើរបងរំលោភចូលដីខ្ញុំបន្តិច",  # a fence encroaching on the land
    "the photographer we paid to shoot our wedding lost the pictures",
]


@pytest.mark.parametrize("text", NOT_DANGER_ANY_MORE)
def test_words_that_only_looked_like_danger(text):
    assert assess_danger(text).categories == (), text


def test_the_english_forms_still_alarm():
    for text in (
        "he slapped me",
        "he slaps me every day",
        "he punched my sister",
        "they killed him",
        "a killer is after me",
        "his cousins say they will break my legs",
        "he keeps killing my chickens to scare me",
        "bdey knhom vay knhom",
    ):
        assert assess_danger(text).categories, text


def test_not_as_far_as_hitting_is_a_denial():
    assert danger_negated("យើងឈ្លោះគ្នារឿងស្រែ តែមិនដល់វាយគ្នាទេ") is True


# Romanised "mun" is "មិន" (not) but also "មុន" (before): after a word of time it says when.
TIME_MUN = [
    "khae mun ke teak knhom dol bak chheung",  # last month he kicked me until my leg broke
    "pel mun ke ban vay kon knhom",  # before, he beat my child
    "chhnam mun ke vay knhom rol thngai",  # last year
    "atit mun ke chrobach ko knhom",  # last week he strangled me
    "mun nis ke teak knhom",  # before this
    "ខែមុនប្តីខ្ញុំវាយខ្ញុំរហូតហូរឈាម",  # Khmer script: មុន is no cue
]


@pytest.mark.parametrize("text", TIME_MUN)
def test_before_is_no_negation(text):
    assert assess_danger(text).categories, text
    assert danger_negated(text) is False


def test_mun_as_not_still_denies():
    assert danger_negated("ke mun vay knhom te, kroan tae chlos pi luy") is True


@pytest.mark.parametrize("text", CLEARLY_NEGATED)
def test_a_clearly_negated_danger_is_recognised_but_still_reported(text):
    assert assess_danger(text).categories, text
    assert danger_negated(text) is True


@pytest.mark.parametrize("text", NEGATION_IN_A_VICTIM_MESSAGE)
def test_negation_words_in_a_victim_message_are_not_a_denial(text):
    assert assess_danger(text).categories, text
    assert danger_negated(text) is False


@pytest.mark.parametrize("text", ["", "   ", "my neighbour moved the boundary", None, 42, "no " * 3000])
def test_no_danger_or_garbage_is_not_a_denial(text):
    assert danger_negated(text) is False


def test_men_really_between_a_negation_and_the_word_still_denies():
    # seventh round: "ot men ... te" is "not really": a loud quarrel in which nobody hit anyone
    assert danger_negated("yerng chhlouh knea klang, tae ke ot men vay knhom te") is True
    # ... but "ot men tae" is "not only": the harm is told, not denied
    assert danger_negated("ot men tae vay knhom te, ke chab ka knhom tiet") is False


def test_a_prisoner_in_a_prison_is_no_one_kept_captive():
    # seventh round: held by a court, not kept by someone
    assert assess_danger("can a prisoner at Prey Sar receive visits from his children").categories == ()
    assert "trafficking" in assess_danger("he keeps me like a prisoner in his house").categories


@pytest.mark.parametrize(
    "text",
    [
        "we want to press rapeseed for cooking oil, which licence?",
        "ក្រុមហ៊ុនរំលោភច្បាប់ការងារ ដោយមិនបង់ប្រាក់បន្ថែមម៉ោង",
        "chumreap sour lok, khnhom chong sour pi ka chos sombot",
        "the school put a new padlock on the gate of the field we all use",
        "we attacked each other in the comments about the price, now he wants me to apologise",
        "how many hours can the police keep someone in police custody before court?",
        "ប្អូនខ្ញុំត្រូវឃុំខ្លួនបណ្តោះអាសន្នពីរខែ តើអាចដាក់ពាក្យនៅក្រៅឃុំបានទេ",
    ],
)
def test_words_that_are_no_danger_in_the_eighth_round(text):
    assert assess_danger(text).categories == ()


def test_a_release_asked_with_money_is_trafficking_but_a_question_ending_is_no_dollar():
    # "$" is the dollar sign, not the end of the message
    assert "trafficking" in assess_danger("they will release my brother only if we pay $3000").categories
    assert assess_danger("ប្អូនខ្ញុំជាប់ពន្ធនាគារ តើមានការដោះលែងមុនកំណត់ទេ?").categories == ()
    # the lock, the custody and the thing's age blank only themselves
    assert "trafficking" in assess_danger("he locked us in the room").categories
    assert "child_at_risk" in assess_danger("a girl 14 years old works at the brick kiln").categories
    assert "child_at_risk" not in assess_danger("his fire burned my mango trees 4 years old").categories
