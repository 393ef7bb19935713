"""The safety triage (issue 14): protect / ask / none, the threat-model signals, the context that
lowers a danger word, the systematic romanised spellings — and the shipped models on messages of
the kinds the issue describes (written for these tests, not taken from any evaluation file)."""

from __future__ import annotations

import re

import pytest

from nlu.romanise import pattern, safe_pattern, variants
from nlu.safety import assess_danger
from nlu.triage import ASK, NONE, PROTECT, URGENT_MODEL, Cues, decide, find_cues
from nlu.types import Danger

# --- romanised spellings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "term, spelling",
    [
        ("neak chit khang", "neak jit khang"),
        ("neak chit khang", "neak jit kang"),
        ("tver bap", "twer bab"),
        ("tver bap", "dver pap"),
        ("juoy knhom", "chuoy gnhom"),
        ("dei", "dei"),
        ("kampleung", "kamplerng"),
    ],
)
def test_a_romanised_term_matches_its_systematic_spellings(term, spelling):
    assert re.fullmatch(pattern(term), spelling)


def test_short_words_keep_their_spelling_and_english_collisions_are_refused():
    assert variants("bat") == frozenset({"bat"})  # "bad", "pat" are English
    assert safe_pattern("beat") is None  # English: matched as written
    assert "neak jit khang" in variants("neak chit khang")


def test_the_word_list_hears_the_new_spellings():
    assert "violence" in assess_danger("neak jit khang twer bab knhom").categories


# --- cues ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, signal",
    [
        ("the lender says if we do not pay his men will visit us at night", "debt_threat"),
        ("someone has naked photos of me and wants 200 dollars or he will post them", "extortion"),
        ("a man gives my 11 year old son money and asks him to come to his house alone", "grooming"),
        ("my parents want my 15 year old sister to marry the man we owe money to", "child_marriage_debt"),
        ("the kids next door are alone for days and eat from the rubbish", "child_without_care"),
        ("my employer keeps my passport and my phone", "confinement"),
        ("my sister works in Malaysia and for months we have heard nothing", "abroad_no_contact"),
        ("ម្ចាស់បំណុលថានឹងមករកខ្ញុំដល់ផ្ទះ ហើយខ្ញុំនឹងស្តាយក្រោយ", "debt_threat"),
        ("thao kae yok passport knhom ot aoy chenh", "confinement"),
        ("the district clerk says my land papers are ready only if I spend the night at his place", "sexual_coercion"),
        ("ម្ចាស់ហាងថា បើចង់បានការងារវិញ ត្រូវដេកជាមួយគាត់", "sexual_coercion"),
        ("mchas hang tha ber chong ban kar ngear vinh trov deik ja muy gat", "sexual_coercion"),
        ("my grandmother is bedridden and my brother leaves her without food for days", "elder_without_care"),
        ("yeay knhom pikar, kon kat dak kat nov krom pteh ot mean bay", "elder_without_care"),
        ("the kiln owner says my family must stay and work until the debt is paid", "debt_bondage"),
        ("an agent offers my sister factory work in Taiwan, no visa needed and tell no one at home", "deceptive_offer"),
        ("my uncle arranged the engagement of my 15 year old cousin to the man they owe", "child_marriage_debt"),
        ("my stepbrother comes into my bed when mum is out and says it is our secret", "abuse_in_secret"),
        ("ពូចូលមកដេកជាមួយក្មួយស្រី ហើយប្រាប់ថាកុំប្រាប់នរណា", "abuse_in_secret"),
        ("since we would not sell the land, someone throws stones at our house every night", "land_threat"),
        ("the company's men came with a warning about our land: they asked where my father sleeps", "land_threat"),
    ],
)
def test_threat_model_signals(text, signal):
    assert signal in find_cues(text).signals


@pytest.mark.parametrize(
    "text, lowering",
    [
        ("a tuk tuk hit my parked moto", "vehicle"),
        ("the neighbour's dog killed my chickens", "animal"),
        ("the storm beat down my rice", "weather"),
        ("I am a teacher, is corporal punishment legal", "asker_role"),
        ("what is the penalty for trafficking", "law_question"),
        ("this heat is killing me lol", "idiom"),
        ("ឆ្កែគេខាំមាន់ខ្ញុំងាប់", "animal"),
        ("which film about the war has the most killing scenes", "entertainment"),
        ("how do I beat the boss on level 12", "entertainment"),
        ("the loud music from the wedding tent is killing us", "noise"),
        ("this loan is killing me, can we agree smaller payments", "idiom"),
        ("I am a volunteer, what is the penalty for selling a child", "asker_role"),
        # a workplace with a question of procedure is the asker's role ...
        ("we work at a guesthouse: to whom do we report a guest who brings young girls", "asker_role"),
    ],
)
def test_context_that_lowers_the_signal(text, lowering):
    assert lowering in find_cues(text).lowering


@pytest.mark.parametrize(
    "text, lowering",
    [
        # ... a workplace alone is not: workers are abused at work
        ("I work at a hotel and the manager keeps my passport", "asker_role"),
        # "lan" is a million, not a car; a pen is where a person is kept, not an animal
        ("we owe 3 lan riel to the kiln owner", "vehicle"),
        ("my old father sleeps in the pig pen", "animal"),
    ],
)
def test_what_is_no_lowering_context(text, lowering):
    assert lowering not in find_cues(text).lowering


@pytest.mark.parametrize(
    "text, signal",
    [
        # a hint that the house may burn, tied to a debt or a deadline (all scripts)
        (
            "the lender's nephew said an old wooden house like ours can catch fire easily if we miss the payment",
            "house_harm_threat",
        ),
        ("mechas bomnol thar rong bay nis ach cheh pleung, bae ot bong mun chong khae", "house_harm_threat"),
        ("អ្នកចងការថា ផ្ទះនេះងាយឆេះណាស់ បើមិនសងទេ", "house_harm_threat"),
        # a hidden camera, secret filming where someone washes
        ("there was a camera hidden above the mirror in the staff toilet", "hidden_camera"),
        ("kon mechas pteah thot video knhom lak lak pel knhom ngout tek", "hidden_camera"),
        ("ខ្ញុំឃើញកាមេរ៉ាលាក់នៅក្នុងបន្ទប់ទឹក", "hidden_camera"),
        # retaliation after a report or a testimony
        ("after I reported the gambling den, two men told me to be careful on the road home", "retaliation"),
        ("knhom ban reayka rueng chhmuonh chhaoe, ke prab tha prayat pel chenh samut", "retaliation"),
        ("ខ្ញុំបានធ្វើជាសាក្សី ឥឡូវគេផ្ញើសារថាគួរគិតឲ្យល្អ", "retaliation"),
    ],
)
def test_signals_of_the_fourth_round(text, signal):
    assert signal in find_cues(text).signals


@pytest.mark.parametrize(
    "text, signal",
    [
        # romanised spellings the lists lacked: "riep ka" (marry), "sang luy" (repay), "nung yok"
        # (will take), "ot oy chol kompong" (not let ashore)
        (
            "kmouy srey knhom ayu 16, pouk gat jompeak luy neak phum haey trov riep ka jea muoy gat",
            "child_marriage_debt",
        ),
        ("bae ot sang luy knong atit nis ke nung yok ko yerng tov", "debt_threat"),
        ("mechas touk ot oy chol kompong pi khae hz, kon knhom nov leu touk", "confinement"),
    ],
)
def test_romanised_spellings_of_the_fourth_round(text, signal):
    assert signal in find_cues(text).signals


def test_a_romanised_video_and_a_weekday_deadline():
    cues = find_cues("songsa chas knhom mean video knhom, bae ot oy 300 dolla mun thngai put ke dak leu tiktok")
    assert "extortion" in cues.signals and cues.soon
    assert find_cues("pay the rest before Thursday or else").soon


def test_wanting_to_know_and_a_road_accident_are_no_veiled_threat():
    assert find_cues("ពាក្យបណ្តឹងរឿងដីរបស់ខ្ញុំ ខ្ញុំចង់ដឹងថាដល់ណាហើយ").signals == ()
    assert find_cues("បងខ្ញុំស្លាប់ដោយគ្រោះថ្នាក់ចរាចរណ៍ យើងចង់ផ្ទេរប្លង់ដី").signals == ()
    assert find_cues("knhom chong deng tha dei nis trov chos chmous nov na").signals == ()
    # ... knowing where a child studies, a lender's "accidents happen", still are
    assert "debt_threat" in find_cues("mechas bomnol thar ke deng sala del kon knhom rien").signals
    assert "debt_threat" in find_cues("the lender said accidents happen to people who do not pay").signals


def test_a_song_request_is_entertainment():
    assert "entertainment" in find_cues("som chreang bot samlap chet mouy").lowering


def test_no_hint_of_harm_is_no_signal():
    assert find_cues("our house burned by accident and we still owe the bank, can we pay later").signals == ()
    assert find_cues("I am a shop owner, may I put a security camera over the till").signals == ()
    assert find_cues("I reported a broken road to the commune, when will they fix it").signals == ()


def test_the_writers_own_situation_is_no_askers_role():
    # "I am a student" is who the writer is when they tell what happens to them
    assert "asker_role" not in find_cues("knhom jea nisset, mechas pteah chuol thot video knhom").lowering
    assert "asker_role" not in find_cues("I am a student and my landlord's son keeps following me").lowering
    assert "asker_role" not in find_cues("ខ្ញុំជានិស្សិត ម្ចាស់ផ្ទះថតរូបខ្ញុំ").lowering
    # ... not when they ask the law or a procedure in their role
    assert "asker_role" in find_cues("knhom jea kru, chbab anunhat oy vay sis te").lowering
    assert "asker_role" in find_cues("I am a teacher, can you tell me the penalty for hitting a pupil").lowering
    assert "asker_role" in find_cues("company knhom bonh choun kamkor tov Korea, trov mean licence ey").lowering


@pytest.mark.parametrize(
    "text, lowering",
    [
        ("ខ្ញុំជាក្រុមប្រឹក្សាឃុំ តើឃុំត្រូវធ្វើអ្វីពេលមានអំពើហិង្សាក្នុងគ្រួសារ", "asker_role"),
        ("ខ្ញុំបង្រៀនថ្នាក់ទី៩ សិស្សសួរពីទោសនៃការវាយគ្នា", "asker_role"),
        ("knhom bongrien nov sala, sis sour pi tos lok kmeng", "asker_role"),
        ("knom rien nitisas, kar samlap dao ot cheitana tus ponman", "law_question"),
        ("chbab khmer anunhat oy ov pouk vay kon te", "law_question"),
        ("kar prak samlap knhom hz, chong chorcha", "idiom"),
        ("ប្អូនប្រុសនិយាយលេងថានឹងសម្លាប់ខ្ញុំ 😂", "idiom"),
        ("som lyrics chamrieng samlap chet", "entertainment"),
        ("យប់មិញក្រុមយើងវាយឈ្នះ ប្រកួតបន្ទាប់ពេលណា", "entertainment"),
        ("ប្អូនខ្ញុំរបួសដោយម៉ាស៊ីនកិនស្រូវ តើ ប.ស.ស ចេញថ្លៃទេ", "work_accident"),
        ("my cousin was injured by a machine at the factory, does nssf pay", "work_accident"),
    ],
)
def test_lowering_context_of_the_fourth_round(text, lowering):
    assert lowering in find_cues(text).lowering


def test_sexual_abuse_and_trafficking_words_need_less_agreement():
    rape = Danger(urgent=True, categories=("sexual_abuse",))
    assert outcome(rape, p=0.4, pc=0.12) == PROTECT  # m 0.26
    assert outcome(Danger(urgent=True, categories=("trafficking",)), p=0.3, pc=0.2) == PROTECT
    assert outcome(VIOLENCE, p=0.4, pc=0.12) == ASK  # a blow needs the usual agreement
    assert outcome(rape, Cues(lowering=("law_question",)), p=0.4, pc=0.12) == ASK  # a question about the law
    assert outcome(rape, negated=True, p=0.4, pc=0.12) != PROTECT
    assert (
        "asker_role" in find_cues("on behalf of our district office we ask the steps for a protection order").lowering
    )


def test_a_work_accident_explains_an_injury_not_trafficking():
    injured = Danger(urgent=False, categories=("violence",))
    assert outcome(injured, Cues(lowering=("work_accident",)), p=0.05, pc=0.05) == NONE
    held = Danger(urgent=True, categories=("trafficking",))
    assert outcome(held, Cues(lowering=("work_accident",)), p=0.05, pc=0.05) == ASK


def test_boundary_stones_are_no_threat():
    assert "land_threat" not in find_cues("my neighbour moved the boundary stones on our land").signals


def test_a_kick_is_no_duck():
    # ទា (duck) is inside ទាត់ (kick): an animal must not lower a kick.
    assert "animal" not in find_cues("គាត់ទាត់ខ្ញុំ").lowering


# --- the decision ---------------------------------------------------------------------------------

VIOLENCE = Danger(urgent=False, categories=("violence",))
KILL = Danger(urgent=True, categories=("threat",))


def outcome(
    danger=Danger(urgent=False), cues=Cues(), negated=False, p=0.0, pc=0.0, intent="dispute_mediation", conf=None
):
    conf = conf if conf is not None else (0.9 if intent == "victim_protection" else 0.6)
    return decide(danger, cues, negated, p, pc, intent, conf).safety


def test_decisions():
    assert outcome(VIOLENCE, p=0.7) == PROTECT  # a danger word and the models (mean 0.35) agree
    assert outcome(VIOLENCE, p=0.3, pc=0.1) == ASK  # a danger word the models read otherwise
    # ... unless the classifier is sure of another reading and neither model reads danger
    assert outcome(VIOLENCE, p=0.3, pc=0.1, intent="legal_information", conf=0.9) == NONE
    assert outcome(VIOLENCE, Cues(lowering=("vehicle",)), p=0.05, pc=0.1) == NONE
    assert outcome(VIOLENCE, Cues(lowering=("vehicle",)), p=0.3, pc=0.3) == ASK  # lowered: no protect on words
    assert outcome(VIOLENCE, Cues(lowering=("vehicle",)), p=0.7, pc=0.6) == PROTECT  # the models agree
    assert outcome(VIOLENCE, negated=True, p=0.1, pc=0.9) == NONE  # "he never hit me": the danger model knows
    assert outcome(VIOLENCE, negated=True, p=0.4, pc=0.9) == PROTECT  # it does not believe the denial
    # A danger word alone is never enough ("how do I kill ants"): a threat to kill the models
    # doubt is asked about, and never dropped for the classifier's other reading.
    assert outcome(KILL, p=0.4, pc=0.1) == ASK
    assert outcome(KILL, p=0.1, pc=0.1, intent="out_of_scope", conf=0.95) == ASK
    assert outcome(KILL, p=0.4, pc=0.3) == PROTECT
    assert outcome(Danger(urgent=False), Cues(signals=("confinement",)), p=0.6) == PROTECT
    assert outcome(Danger(urgent=False), Cues(signals=("confinement",)), p=0.2) == ASK
    assert outcome(p=0.4, pc=0.2) == ASK  # the models alone, without words
    assert outcome(p=0.9, pc=0.85) == PROTECT
    assert outcome(p=0.65, pc=0.6) == PROTECT  # both models well over one in two: protect (AGREE)
    # AGREE is 0.6 since the tenth round (0.5 before): the danger model, retrained on many more
    # victims told without danger words, reads 0.5-0.6 on ordinary wage and money disputes
    assert outcome(p=0.55, pc=0.5) == ASK
    assert outcome(p=0.7, pc=0.25) == ASK  # one model alone does not
    # the danger model's own reading asks, however sure the classifier is of another intent
    assert outcome(p=0.45, pc=0.05, intent="legal_information", conf=0.95) == ASK
    assert outcome(p=0.32, pc=0.05, intent="legal_information", conf=0.95) == ASK  # ASK_MODEL 0.3 (round 14)
    assert outcome(p=0.28, pc=0.05, intent="legal_information", conf=0.95) == NONE
    assert outcome(pc=0.45, intent="victim_protection") == ASK  # a low-confidence protection reading
    assert outcome(p=0.1, pc=0.1) == NONE


def test_the_askers_role_explains_danger_words_not_a_signal():
    role = ("asker_role",)
    assert outcome(VIOLENCE, Cues(lowering=role), p=0.1, pc=0.1) == NONE  # a teacher asking the law
    # a role with a situation that is someone's ("I work for an NGO: an old man is left without food")
    neglect = Cues(signals=("elder_without_care",), lowering=role)
    assert outcome(Danger(urgent=False), neglect, p=0.1, pc=0.1) == ASK
    assert outcome(Danger(urgent=False), neglect, p=0.4, pc=0.3) == PROTECT
    # the classifier's confident other reading explains a danger word, not a signal
    offer = Cues(signals=("deceptive_offer",))
    assert outcome(Danger(urgent=False), offer, p=0.2, pc=0.05, intent="dispute_mediation", conf=0.9) == ASK
    assert outcome(VIOLENCE, p=0.2, pc=0.05, intent="dispute_mediation", conf=0.9) == NONE
    # the context explains the words and the danger model reads none: the classifier alone does not ask
    idiom = Cues(lowering=("idiom",))
    assert outcome(KILL, idiom, p=0.03, pc=0.9, intent="victim_protection", conf=0.9) == NONE
    assert outcome(KILL, idiom, p=0.2, pc=0.9, intent="victim_protection", conf=0.9) == ASK
    assert outcome(KILL, p=0.03, pc=0.9, intent="victim_protection", conf=0.9) == PROTECT  # no context
    # a thing explains no threat-model signal ("your old house catches fire easily if you do not pay")
    for thing in ("vehicle", "animal", "object", "weather", "noise"):
        debt = Cues(signals=("debt_threat",), lowering=(thing,))
        assert outcome(Danger(urgent=False), debt, p=0.4, pc=0.3) == PROTECT
        assert outcome(Danger(urgent=False), debt, p=0.05, pc=0.05) == ASK


def test_a_thing_explains_violence_words_only():
    trafficking = Danger(urgent=True, categories=("trafficking",))
    plantation = Cues(lowering=("object",))
    # "trafficked... worked on a plantation": the object does not explain the trafficking
    assert outcome(trafficking, plantation, p=0.2, pc=0.4) == PROTECT
    assert outcome(trafficking, plantation, p=0.05, pc=0.05) == ASK
    for cat in ("sexual_abuse", "forced_labour"):
        assert outcome(Danger(urgent=False, categories=(cat,)), Cues(lowering=("vehicle",)), p=0.05, pc=0.05) == ASK
    # ... and still explains a beating, a killing, with the child such a message names
    assert outcome(VIOLENCE, Cues(lowering=("object",)), p=0.05, pc=0.05) == NONE
    child = Danger(urgent=True, categories=("violence", "threat", "child_at_risk"))
    assert outcome(child, Cues(lowering=("animal",)), p=0.05, pc=0.05) == NONE
    assert "object" not in find_cues("two years ago I picked fruit on a plantation abroad").lowering
    assert "object" not in find_cues("ke thar pteah chas ngay cheh").lowering  # "chess" is no "cheh"


def test_urgency():
    # without the urgency model (no `urgency` reading) the rules presume what it would decide
    def urgent(danger=Danger(urgent=False), cues=Cues(), p=0.0, pc=0.0):
        return decide(danger, cues, False, p, pc, "dispute_mediation", 0.6).urgent

    assert urgent(Danger(urgent=False), Cues(signals=("debt_threat",), signal_categories=("threat",), soon=True), 0.6)
    assert not urgent(Danger(urgent=False), Cues(signals=("debt_threat",), signal_categories=("threat",)), 0.6)
    assert urgent(Danger(urgent=False), Cues(signals=("confinement",), signal_categories=("trafficking",)), 0.6)
    assert urgent(p=0.9, pc=0.9)  # a danger the lists cannot name
    # a signal the models alone would protect: no word says how bad, the models do
    land = Cues(signals=("land_threat",), signal_categories=("threat",))
    assert urgent(Danger(urgent=False), land, p=0.8, pc=0.6)
    assert not urgent(Danger(urgent=False), land, p=0.5, pc=0.2)  # protected on the signal, not urgent
    assert not urgent(Danger(urgent=False), Cues(soon=True), p=0.05)  # "today" without any danger
    assert find_cues("they will come for my son tonight").soon and not find_cues("my son").soon


def test_the_urgency_model_decides_what_the_rules_only_presume():
    land = Cues(signals=("land_threat",), signal_categories=("threat",))
    calls: list[int] = []

    def reading(p_urgent):
        def urgency():
            calls.append(1)
            return p_urgent

        return urgency

    def triage(danger=Danger(urgent=False), cues=land, p=0.5, pc=0.2, p_urgent=None):
        return decide(danger, cues, False, p, pc, "dispute_mediation", 0.6, urgency=reading(p_urgent))

    t = triage(p_urgent=0.8)  # protected on the signal, no word of time: the model reads it urgent
    assert t.safety == PROTECT and t.urgent and "urgency_model:0.80" in t.reasons
    assert not triage(p_urgent=URGENT_MODEL - 0.01).urgent  # below URGENT_MODEL: not urgent
    assert not triage(p_urgent=None).urgent  # the model failed: as the rules presume (nothing here)
    # a threat to kill told of the past: the rules would presume it urgent, the model reads it
    threat = Danger(urgent=True, categories=("threat",))
    assert not triage(threat, p=0.6, p_urgent=0.05).urgent
    assert triage(threat, p=0.6, p_urgent=None).urgent  # no model: the presumption stands
    assert triage(threat, p=0.6, p_urgent=0.9).urgent
    # a near time and the urgent signals are never left to the model
    calls.clear()
    assert triage(cues=Cues(signals=("land_threat",), signal_categories=("threat",), soon=True), p_urgent=0.0).urgent
    despair = Cues(signals=("farewell_in_despair",), signal_categories=("self_harm",))
    assert triage(cues=despair, p=0.6, pc=0.6, p_urgent=0.0).urgent
    assert not calls  # the rules flagged them: the model was not asked
    t = triage(Danger(urgent=False), Cues(), p=0.05, pc=0.05, p_urgent=0.99)
    assert t.safety == NONE and not t.urgent and not calls  # no danger: never asked, never urgent


def test_the_urgency_model_learns_the_trained_sets_victims_as_their_writers_marked_them(tmp_path):
    import json

    from nlu.training_sets import trained_eval_files
    from nlu.triage import URGENCY_DIR, urgency_files, urgency_training_set

    rows = [
        {"text": "they are outside my door now", "intent": "victim_protection", "urgent": True},
        {"text": "he hit me last year", "intent": "victim_protection", "urgent": False},
        {"text": "a victim whose writer did not say", "intent": "victim_protection"},
        {"text": "my neighbour's cow ate my rice", "intent": "dispute_mediation", "urgent": False},
    ]
    path = tmp_path / "heldout2_victims.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert urgency_training_set([path]) == (["they are outside my door now", "he hit me last year"], [1, 0])
    shipped = urgency_files()
    assert shipped == urgency_files(URGENCY_DIR) + trained_eval_files()
    assert all(p.suffix == ".yml" for p in urgency_files(URGENCY_DIR))


def test_urgency_training_files(tmp_path):
    from nlu.training import TrainingDataError
    from nlu.triage import load_urgency_model, urgency_files, urgency_training_set

    good = tmp_path / "u.yml"
    good.write_text("urgent:\n- they are at the door now\nnot_urgent:\n- it happened years ago\n", encoding="utf-8")
    assert urgency_training_set([good]) == (["they are at the door now", "it happened years ago"], [1, 0])
    bad = tmp_path / "bad.yml"
    bad.write_text("urgnet:\n- a typo in the key loses nothing silently\n", encoding="utf-8")
    with pytest.raises(TrainingDataError):
        urgency_training_set([bad])
    assert load_urgency_model([good], cache_dir=None) is None  # too few of each kind to learn from
    assert len(urgency_files()) >= 2  # the shipped files, in nlu/urgency/
    texts, labels = urgency_training_set()
    assert len(texts) >= 400 and 0.4 <= sum(labels) / len(labels) <= 0.6


def test_a_cached_model_is_loaded_without_parsing_its_training_files(tmp_path):
    from nlu.triage import load_urgency_model

    data = tmp_path / "u.yml"
    urgent = "".join(f"- they are at the door now, number {i}\n" for i in range(6))
    calm = "".join(f"- it happened years ago, time {i}\n" for i in range(6))
    data.write_text(f"urgent:\n{urgent}not_urgent:\n{calm}", encoding="utf-8")
    cache = tmp_path / "cache"
    first = load_urgency_model([data], cache_dir=cache)
    assert first is not None and len(list(cache.glob("nlu_urgency_*.pkl"))) == 1
    # the same files again: the model comes from the cache; the training set is never read
    from nlu.triage import _cached_or_trained

    def unread(paths):
        raise AssertionError("the training files were parsed although the cache holds the model")

    again = _cached_or_trained([data], cache, "nlu_urgency_", unread)
    assert again is not None and again.key == first.key


# --- the shipped models ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def understand():
    from nlu.service import build_understander

    return build_understander(None).understand


@pytest.mark.parametrize(
    "text",
    [
        "the money lender said if I am late again they will come for my son",
        "he says he will take my daughter if we cannot pay",
        "a man in our village gives boys money and yama at his house at night",
        "my aunt is giving my 14 year old cousin to her creditor as a second wife",
        "my sister is a maid in Saudi and her boss does not let her call us anymore",
        "a six year old in the next house has been alone for days, she eats from the rubbish",
        "neak ouy luy kchey thar nung mok yok kon srey knhom beu ot sang",
        "ម្ចាស់បំណុលថា បើមិនសងទេ គេនឹងយកកូនស្រីខ្ញុំ",
    ],
)
def test_victims_without_danger_words_are_caught(understand, text):
    assert understand(text).safety in (PROTECT, ASK)


@pytest.mark.parametrize(
    "text",
    [
        "a tuk tuk hit my parked moto",
        "the neighbour's dog killed my chickens",
        "the storm beat down my rice",
        "we fight about money, nobody hits anyone",
        "I am a teacher, is corporal punishment allowed in school",
        "kon knhom",
        "kill me lol, this heat",
        "ឆ្កែអ្នកជិតខាងខាំមាន់ខ្ញុំងាប់",
        "tuk tuk bok moto knhom",
    ],
)
def test_danger_words_without_danger_are_not_sent_to_protection(understand, text):
    assert understand(text).safety != PROTECT


@pytest.mark.parametrize(
    "text",
    ["my husband beats me every night", "bdey knhom vay knhom rol thngai", "ប្តីខ្ញុំវាយខ្ញុំរាល់យប់"],
)
def test_plain_violence_is_still_protected_at_once(understand, text):
    u = understand(text)
    assert u.safety == PROTECT and u.intent.value == "victim_protection"


@pytest.mark.parametrize(
    "text",
    [
        # written for this test: no word of time or weapon, no child, nothing the rules flag (round 25:
        # "the men who want our land are standing by the road watching our house ..." left this list:
        # the retrained models now protect it on their own, which the rules flag urgent)
        "the loan collector who threatened me is sitting on a moto outside my house again",
        "my ex waits outside my dorm every evening and follows me to the bus",
    ],
)
def test_the_shipped_urgency_model_flags_what_the_rules_leave_unflagged(text):
    from nlu.embedded import EmbeddedClassifier
    from nlu.service import Understander
    from nlu.triage import DangerModel, default_urgency_model

    models = {"danger_model": DangerModel.default(), "find_phones": lambda t: (), "find_dates": lambda t, d: ()}
    rules_only = Understander(EmbeddedClassifier.default(), None, None, primary_name="embedded", **models)
    with_model = Understander(
        EmbeddedClassifier.default(),
        None,
        None,
        primary_name="embedded",
        urgency_model=default_urgency_model(),
        **models,
    )
    before, after = rules_only.understand(text), with_model.understand(text)
    assert before.safety in (PROTECT, ASK) and not before.urgent
    assert after.safety == before.safety and after.urgent
    assert any(r.startswith("urgency_model:") for r in after.safety_reasons)


def test_the_shipped_urgency_model_reads_a_past_or_slow_harm_as_not_urgent():
    from nlu.triage import URGENT_MODEL, default_urgency_model

    model = default_urgency_model()
    for text in (
        "years ago my uncle touched me when I was small, I want to know if I can still report it",
        "my husband controls all our money and my phone, I want advice on leaving him next year",
    ):
        assert model.probability(text) < URGENT_MODEL


def test_the_danger_model_does_not_learn_from_ordinary_messages_only(tmp_path):
    from nlu.training import danger_training_files, training_files
    from nlu.triage import _cache_key, load_model

    for name in ("nlu_en.yml", "nlu_general_en.yml", "nlu_danger_en.yml", "nlu_selfharm.yml"):
        (tmp_path / name).write_text('version: "3.1"\nnlu: []\n', encoding="utf-8")
    assert [p.name for p in danger_training_files(tmp_path)] == ["nlu_danger_en.yml", "nlu_en.yml", "nlu_selfharm.yml"]
    assert len(training_files(tmp_path)) == 4  # the intent classifiers learn from all four
    # the shipped model is the one trained on those files, not on every file
    shipped = [p for p in training_files() if p.name.startswith("nlu_general_")]
    assert shipped, "nlu/data/ ships ordinary-messages-only files"
    assert load_model().key == _cache_key(danger_training_files()) != _cache_key(training_files())


def test_the_danger_models_direct_arithmetic_equals_scikit_learns():
    from nlu.triage import DangerModel, _cues_of

    model = DangerModel.default()
    for text in ("my husband beats me", "a tuk tuk hit my moto", "ប្តីខ្ញុំវាយខ្ញុំ", "kon knhom", "hello"):
        cues = _cues_of(text)
        assert model.probability(text, cues) == pytest.approx(model.probability_sklearn(text, cues), abs=1e-6)


@pytest.mark.parametrize(
    "text, signal",
    [
        # someone taken away (into a car, by men) and contact cut since: an abduction
        (
            "three men pushed my nephew into a van outside the market, his phone has been switched off since",
            "abduction",
        ),
        ("bros pi nak chab kmuoy knhom yok laeng lan pruk minh, tel gat bit ot chol", "abduction"),
        ("មានគេចាប់យកទៅប្អូនស្រីខ្ញុំម្សិលមិញ ឥឡូវទូរស័ព្ទបិទ ទាក់ទងមិនបាន", "abduction"),
        # a phone switched off ("bit") is contact cut for someone working abroad
        ("bong srey knhom tver kar nov malaysia, bei thngai hz tel gnang bit", "abroad_no_contact"),
        ("my sister works in Bangkok and her phone is off since Sunday", "abroad_no_contact"),
        # eviction with a deadline and a warning
        ("the company said the whole village must leave the land by Friday or they will deal with us", "land_threat"),
        ("mean nak mok prab tha yerng trov rer chenh knong bei thngai, bae ot chenh nung mean reuoeng", "land_threat"),
        ("គេប្រាប់ឲ្យរើចេញមុនចុងខែ បើមិនចេញ ប្រយ័ត្នខ្លួន", "land_threat"),
        # a hint of death aimed at someone: a funeral to prepare, a coffin, a wreath with a name
        ("after the court hearing someone left a coffin at our gate", "death_hint"),
        ("he told my father to prepare a funeral if he keeps talking to the journalists", "death_hint"),
        ("ke prab tha aeng triem twer bon tov bae nov tae tvea kar nis", "death_hint"),
        ("ព្រឹកនេះមានគេដាក់មឈូសតូចមួយមុខផ្ទះខ្ញុំ", "death_hint"),
        # creditors who demand a missing relative's debt from the family, with a veiled threat
        ("kaun pros knhom rot bat, neak tar luy mok ptes reang thngai tha nung yok ko yerng", "debt_threat"),
        ("ម្ចាស់លុយមកទារលុយប្តីខ្ញុំដែលបាត់ខ្លួន ថាបើរកមិនឃើញ នឹងយកកូនខ្ញុំជាវេន", "debt_threat"),
        # elders abandoned by their children
        ("my elderly parents were abandoned by my brother and now sleep at the market", "elder_without_care"),
        ("ta yeay knhom kon bos bong chol, kmean thnam kmean bay", "elder_without_care"),
        ("យាយចាស់ម្នាក់ កូនទុកចោលនៅវត្ត គ្មានអ្នកមើលថែ", "elder_without_care"),
        ("ov knhom 78 chnam, kon thmey tuk chol nov ptes te mnak", "elder_without_care"),
    ],
)
def test_signals_of_the_fifth_round(text, signal):
    assert signal in find_cues(text).signals


def test_ordinary_funerals_and_moves_are_no_signal():
    assert find_cues("we are preparing my grandmother's funeral, who inherits her land title").signals == ()
    assert find_cues("ខ្ញុំចង់ធ្វើបុណ្យខួបម្តាយខ្ញុំនៅវត្ត តើត្រូវការឯកសារអ្វីខ្លះ").signals == ()
    assert find_cues("my friend moved to Thailand, she is taking the car to Poipet").signals == ()
    assert find_cues("how do I sell my land and move out to the city").signals == ()


@pytest.mark.parametrize(
    "text, lowering",
    [
        # wild animals, pests and weeds are things one may kill
        ("monkeys eat our mangoes every day, may I kill them or is it against the law", "animal"),
        ("tnam samlap kondol na del ot krohtnak chea kmeng", "animal"),
        ("ថ្នាំសម្លាប់សត្វល្អិតណាដែលល្អសម្រាប់ស្រូវ", "animal"),
        # plants killed, and a "dead" device
        ("the neighbour's herbicide drifted and killed all my orchids", "object"),
        ("my phone is dead after two days, the shop says it is water damage", "object"),
        ("tel knhom slap muoy thngai hz, hang min prom dor", "object"),
        ("ខ្ញុំទិញទូរស័ព្ទស្លាប់ពីហាង តើអាចប្តូរវិញបានទេ", "object"),
        # a workshop the writer prepares, the legal route to work abroad
        ("I am preparing a workshop for parents about threats children get online", "asker_role"),
        ("tov tver kar japan tam phlov chbab trov mean ekasar ey klah", "law_question"),
        ("ទៅធ្វើការកូរ៉េតាមផ្លូវច្បាប់ត្រូវធ្វើយ៉ាងម៉េច", "law_question"),
    ],
)
def test_lowering_context_of_the_fifth_round(text, lowering):
    assert lowering in find_cues(text).lowering


def test_a_phone_brought_back_and_money_missing_are_no_danger():
    assert "confinement" not in find_cues("ភ្ញៀវយកទូរស័ព្ទមកវិញ ថាអេក្រង់ខូច ចង់បានលុយវិញ").signals
    assert (
        "trafficking" not in assess_danger("we sold him rice, 200 dollars is still missing from the payment").categories
    )
    assert "trafficking" in assess_danger("my daughter has been missing since she left with the broker").categories


@pytest.mark.parametrize(
    "text",
    [
        "my son works in Thailand and I am a bit worried about his visa, how do I renew it?",
        "my brother works in Malaysia; the border was closed last year, can he still send money home?",
        "bong pros knhom tver kar nov Thai, ptes bet tvea hoy, kat chong dak pakyea",
        "ប្អូនខ្ញុំធ្វើការនៅថៃ ហាងបិទហើយ តើគាត់អាចយកប្រាក់ខែបានទេ",
    ],
)
def test_closed_or_a_bit_without_a_phone_is_no_contact_cut(text):
    # "bit" (បិទ, switched off) and "closed" count only with a phone: "a bit worried", a closed
    # border or shop abroad are no sign that someone is out of reach.
    assert "abroad_no_contact" not in find_cues(text).signals


# --- the sixth round ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, lowering",
    [
        # a role without an article, with a qualifier, or signed at the start of the message
        ("Good morning, I am lecturer in social work and my students ask which law covers stalking", "asker_role"),
        ("im a nursing student, is there a penalty for a nurse who hits a patient", "asker_role"),
        ("Police trainee here. How long may a suspect of murder be held before court?", "asker_role"),
        ("we are a registered agency placing domestic workers, how do we avoid forced labour", "asker_role"),
        # a course, a club, a staff code, homework
        ("our debate club is debating whether acid sellers need a licence", "asker_role"),
        ("my criminology course asks us to compare the sentences for arson", "asker_role"),
        ("our guesthouse wants a staff code on child sexual exploitation", "asker_role"),
        ("knhom rean nitisas chnam ti 2, kru oy sorse pi romlob", "asker_role"),
        ("គ្រូឲ្យកិច្ចការផ្ទះសួរពីទោសនៃការលួចមនុស្ស", "asker_role"),
        # a law question: obligations, codes, sub-decrees, the death penalty, an offence
        ("what are an employer's legal obligations when a worker dies at work", "law_question"),
        ("which sub-decree lists the penalties for selling acid", "law_question"),
        ("srok khmer mean tos prohat jivit reu ot", "law_question"),
        ("romlob pdey propon chea bot lmeus te", "law_question"),
        ("chbab kamphleung yang mech dae", "law_question"),
        ("ក្រមព្រហ្មទណ្ឌកំណត់យ៉ាងម៉េច", "law_question"),
        ("ច្បាប់ស្តីពីការគ្រប់គ្រងអាវុធ ហាមឃាត់ទេ", "law_question"),
        # pests and their poison, fish, fighting cocks; trees felled; sport, films; prices "killed"
        ("what kills bedbugs and fleas in a mattress", "animal"),
        ("thnam samlab kondiet na laor", "animal"),
        ("ថ្នាំសម្លាប់ស្អិតមួយណាល្អ", "animal"),
        ("neak chit khang kab doem chheu leu prom dei", "object"),
        ("how many goals did they beat us by in the tournament", "entertainment"),
        ("ក្រុមបាល់ទាត់យើងវាយគេ២-០", "entertainment"),
        ("rueng khmoch chas del khmoch samlab neak phum", "entertainment"),
        ("the buyers killed the price of rubber this year", "idiom"),
        ("chhmuonh samlab thlai svay yerng", "idiom"),
        ("ឈ្មួញសម្លាប់ថ្លៃស្រូវ", "idiom"),
        ("the taxi rank is a battlefield every morning", "idiom"),
    ],
)
def test_lowering_context_of_the_sixth_round(text, lowering):
    assert lowering in find_cues(text).lowering


@pytest.mark.parametrize(
    "text, lowering",
    [
        ("of course he beat me again, he always does", "asker_role"),  # "course" alone is no course
        ("I saw him hit my sister with a stick", "work_accident"),  # "saw" the verb is no tool
        ("I worked at a furniture workshop and the owner beat me", "asker_role"),  # a workplace
        ("the karaoke club keeps the girls locked upstairs", "asker_role"),  # a club is no role
        ("the inspector said I must sleep with him to pass the factory", "asker_role"),
        ("he wants my plot and says he will kill me", "entertainment"),  # a plot of land
    ],
)
def test_what_is_no_lowering_context_in_the_sixth_round(text, lowering):
    assert lowering not in find_cues(text).lowering


def test_a_role_that_must_do_a_task_is_still_a_role():
    # "ខ្ញុំត្រូវ" is "I must" before a task, "I suffer" before harm
    assert "asker_role" in find_cues("ខ្ញុំជាគ្រូ ខ្ញុំត្រូវពន្យល់សិស្សពីច្បាប់ស្តីពីអាស៊ីត").lowering
    assert "asker_role" in find_cues("knhom jea kru, knhom trov ponyul sis pi chbab").lowering
    assert "asker_role" not in find_cues("ខ្ញុំជានិស្សិត ខ្ញុំត្រូវគេវាយរាល់ថ្ងៃ").lowering
    assert "asker_role" not in find_cues("I am a student and I was beaten by my teacher").lowering


@pytest.mark.parametrize(
    "text",
    [
        "my husband beats me every night, what does the law say?",
        "my daughter 15 was sold to a man across the border, which law applies?",
        "I was raped by my neighbour, is that a crime under the law on rape?",
        "pdey knhom vay knhom rol thngai, chbab khmer yang mech dae",
        "knhom trov pdey romlob, tam chbab knhom ach tver ey ban",
        "ប្តីខ្ញុំវាយខ្ញុំរាល់ថ្ងៃ តាមច្បាប់ខ្ញុំអាចធ្វើអ្វីបាន",
        "ខ្ញុំត្រូវគេរំលោភ តើច្បាប់ស្តីពីការរំលោភកំណត់យ៉ាងម៉េច",
        # someone close to the writer, or anyone who suffered it
        "ក្មួយស្រីខ្ញុំអាយុ១៤ ត្រូវគេលក់ទៅចិន តើច្បាប់បង្ក្រាបការជួញដូរជួយបានទេ",
        "kmuoy srey knhom trov ke lok tov chen, chbab na chuoy ban",
        "a girl in our village was sold to a man abroad, which law on trafficking applies?",
        # harm going on now that nobody dares report
        "a man in our village rapes young girls, what are the penalties? nobody dares to report",
        "mean bros mnak nov phum knhom romlob kmeng srey, chbab tos ponman chnam? ot mean nak hean bdeng",
        "បុរសម្នាក់ក្នុងភូមិរំលោភក្មេងស្រី តើក្រមព្រហ្មទណ្ឌដាក់ទោសប៉ុន្មាន? គ្មាននរណាហ៊ានប្តឹង",
    ],
)
def test_harm_to_the_writer_beside_a_law_question_is_their_own_situation(text):
    cues = find_cues(text)
    assert "law_question" in cues.lowering and cues.own_situation


@pytest.mark.parametrize(
    "text",
    [
        "which law sets the punishment for acid attacks? I need it for a presentation",
        "my company asks what the legal obligations are so that we are never accused of trafficking",
        "srok khmer mean tos prohat jivit te bae samlab mnus? mith knhom sour",
        "ច្បាប់ស្តីពីអាវុធ ហាមឃាត់ទេ? ក្រុមហ៊ុនខ្ញុំចង់ដឹង",
    ],
)
def test_a_law_question_alone_is_no_own_situation(text):
    cues = find_cues(text)
    assert "law_question" in cues.lowering and not cues.own_situation


def test_self_harm_words_protect_whatever_the_models_read():
    self_harm = Danger(urgent=True, categories=("self_harm",))
    # "kgnom chong slab hoy": both models read nothing, the words protect at once (round 11)
    assert outcome(self_harm, p=0.01, pc=0.0, intent="dispute_mediation", conf=0.95) == PROTECT
    t = decide(self_harm, Cues(), False, 0.01, 0.0, "dispute_mediation", 0.95)
    assert t.urgent and "self-harm words" in t.reasons
    # a law question, a film or a joke explains them ("is suicide a crime? for my class")
    for lowering in ("law_question", "entertainment", "idiom"):
        assert outcome(self_harm, Cues(lowering=(lowering,)), p=0.01, pc=0.01) != PROTECT
    # the same words with another category but not self_harm still need the models
    assert outcome(KILL, p=0.08, pc=0.0, intent="dispute_mediation", conf=0.95) == ASK


def test_a_law_question_about_the_writers_own_harm_is_asked_never_dropped():
    law = ("law_question",)
    # the same words asked in the abstract are explained by the law question ...
    assert outcome(VIOLENCE, Cues(lowering=law), p=0.05, pc=0.05) == NONE
    assert outcome(VIOLENCE, Cues(lowering=law), p=0.2, pc=0.1, intent="legal_information", conf=0.9) == NONE
    # ... but told beside harm to the writer they are asked about at least, protected with the models
    own = Cues(lowering=law, own_situation=True)
    assert outcome(VIOLENCE, own, p=0.05, pc=0.05) == ASK
    assert outcome(VIOLENCE, own, p=0.2, pc=0.1, intent="legal_information", conf=0.9) == ASK
    assert outcome(VIOLENCE, own, p=0.7, pc=0.6) == PROTECT
    # a thing still explains what it explains ("how do I kill the rats in my house, is poison legal")
    assert outcome(VIOLENCE, Cues(lowering=law + ("animal",), own_situation=True), p=0.05, pc=0.05) == NONE


@pytest.mark.parametrize(
    "text",
    [
        "my sister wants to give her 4 year old girl away to a rich couple who paid her mother 600 dollars",
        "kon srey knhom 7 chnam, pdey yok tov oy ke jea kon chenchem, ke oy luy ov 300$",
        "ម្តាយយកកូនប្រុសអាយុ៥ឆ្នាំទៅឲ្យគេចិញ្ចឹម គេឲ្យលុយម្តាយ៥០០ដុល្លារ",
    ],
)
def test_a_child_given_away_for_money_is_a_signal(text):
    cues = find_cues(text)
    assert "child_given_for_money" in cues.signals and "trafficking" in cues.signal_categories


def test_an_adoption_question_without_money_to_the_parents_is_no_signal():
    assert find_cues("how do I legally adopt my niece, her mother agrees and we pay the court fees").signals == ()
    assert find_cues("ខ្ញុំចង់សុំកូនចិញ្ចឹមតាមច្បាប់ ត្រូវការឯកសារអ្វីខ្លះ").signals == ()


def test_strangling_is_urgent_and_piles_or_a_death_are_no_violence():
    assert assess_danger("he did not just slap me, he choked me").urgent
    assert assess_danger("ke chrabach ka knhom").urgent or assess_danger("គាត់ច្របាច់កខ្ញុំ").urgent
    assert assess_danger("គាត់ច្របាច់កខ្ញុំ").urgent
    assert assess_danger("អ្នកជិតខាងវាយបង្គោលពីព្រលឹម").categories == ()
    assert assess_danger("neak sang pteah vay bongkol pi pruk").categories == ()
    assert assess_danger("if someone dies without a will, who inherits the house?").categories == ()
    assert "violence" in assess_danger("he teah me across the face").categories


def test_a_thing_explains_no_child_at_risk_named_without_violence():
    # "the rice is finished, the oldest is 7": the rice is no thing hit
    alone = Danger(urgent=True, categories=("child_at_risk",))
    assert outcome(alone, Cues(lowering=("object",)), p=0.2, pc=0.1) == ASK
    assert outcome(alone, Cues(lowering=("object",)), p=0.05, pc=0.05) == ASK
    # with a word of violence the thing still explains the child such a message names
    hit = Danger(urgent=True, categories=("violence", "child_at_risk"))
    assert outcome(hit, Cues(lowering=("vehicle",)), p=0.05, pc=0.05) == NONE


@pytest.mark.parametrize(
    "text, lowering",
    [
        ("the football coach beats my son until he bleeds", "entertainment"),
        ("គ្រូបង្វឹកបាល់ទាត់វាយកូនខ្ញុំរហូតហូរឈាម", "entertainment"),
        ("kru kayla vay kon knhom rohout chheam hor", "entertainment"),
        ("my husband hits me every day lol", "idiom"),
    ],
)
def test_a_sport_or_a_joke_beside_harm_to_the_writer_explains_nothing(text, lowering):
    cues = find_cues(text)
    assert lowering in cues.lowering and cues.own_situation
    beaten = Danger(urgent=False, categories=("violence",))
    assert outcome(beaten, cues, p=0.05, pc=0.05, intent="out_of_scope", conf=0.9) == ASK
    # the same sport without harm to anyone's own people: the score of a match
    match = find_cues("our football team beat theirs 3-1 in the final")
    assert "entertainment" in match.lowering and not match.own_situation
    assert outcome(beaten, match, p=0.05, pc=0.05) == NONE


@pytest.mark.parametrize(
    "text",
    [
        "he put pesticide in my food to kill me",
        "my husband tried to poison me with rat poison, I am at my sister's now",
        "ke dak thnam samlab sat lit knong bay knhom, chong samlab knhom",
        "គាត់ដាក់ថ្នាំសម្លាប់សត្វល្អិតក្នុងម្ហូបខ្ញុំ ចង់សម្លាប់ខ្ញុំ",
    ],
)
def test_a_threat_to_the_writers_life_is_explained_by_no_thing(text):
    cues = find_cues(text)
    assert cues.threat_to_life
    kill = Danger(urgent=True, categories=("threat",))
    assert outcome(kill, cues, p=0.05, pc=0.05, intent="out_of_scope", conf=0.9) == ASK


def test_a_joke_still_explains_a_threat_to_life_and_pests_are_no_threat():
    kill = Danger(urgent=True, categories=("threat",))
    joke = find_cues("he tried to kill me at chess again last night lol")
    assert joke.threat_to_life and "idiom" in joke.lowering
    assert outcome(kill, joke, p=0.05, pc=0.05) == NONE
    # the hyperbole "will kill me if I am late" is no threat to life
    assert not find_cues("my boss will kill me if I am late, is the road to Kampot flooded").threat_to_life
    assert not find_cues("which spray kills bed bugs in a mattress").threat_to_life


@pytest.mark.parametrize(
    "text",
    [
        "បុគ្គលិកយើងម្នាក់ត្រូវថៅកែរំលោភកាលពីយប់មិញ",
        "one of our staff was raped by a guest last night, what should we do",
        "my course mate was trafficked to China last month, her family cannot reach her",
    ],
)
def test_a_report_about_our_staff_or_a_course_mate_is_no_askers_role(text):
    assert "asker_role" not in find_cues(text).lowering


def test_a_wife_one_has_is_no_child_marriage_a_wife_to_be_is():
    # "my ex-wife won't let me see our child though I send money every month" is a family dispute
    assert "child_marriage_debt" not in find_cues("my ex-wife keeps our son from me though I send money").signals
    assert "child_marriage_debt" not in find_cues("ប្រពន្ធខ្ញុំយកកូនទៅ ហើយខ្ញុំនៅតែផ្ញើលុយ").signals
    assert (
        "child_marriage_debt"
        in find_cues("he wants my 15 year old sister as his second wife to clear the debt").signals
    )
    assert "child_marriage_debt" in find_cues("ម្ចាស់បំណុលចង់យកក្មួយស្រីខ្ញុំអាយុ១៥ធ្វើប្រពន្ធចុង ជំនួសលុយ").signals


def test_a_baby_handed_over_for_money_is_a_child_given_away():
    text = "the couple next door will hand their newborn baby to a foreigner tomorrow for 3000 dollars"
    assert "child_given_for_money" in find_cues(text).signals


def test_bones_broken_are_violence_and_harm_to_our_own_people_counts():
    assert "violence" in assess_danger("his men came at night and broke my arm").categories
    assert find_cues("the trader killed the price, then his men broke my arm").own_situation
    assert find_cues("my ex wife's new husband beats our son, what does the law say about custody?").own_situation
    # a debate club's coach is someone, not the reason to ask
    assert "asker_role" not in find_cues("our debate club coach touches the girls after practice").lowering


# --- seventh round --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, signal",
    [
        # a veiled death threat: "you will not see tomorrow", "say goodbye to each other"
        ("the money man said if the van is not his by Monday we won't see another day", "veiled_death_threat"),
        ("ke tha ber ot brokol dei, aeng leng kheunh thngai saek hz", "veiled_death_threat"),
        ("គេថាបើមិនចុះហត្ថលេខា ខ្ញុំនឹងលែងឃើញថ្ងៃស្អែក", "veiled_death_threat"),
        ("ke prab tha kruosar aeng triem lea knea tuk tov", "veiled_death_threat"),
        # a former partner who follows, tracks or turns up where the writer works or lives
        ("my ex husband follows me from the factory and found out where I live now", "stalking"),
        ("pdei chas knhom deur tam knhom rol pel lngach, ke bongkeut facebook kleng", "stalking"),
        ("អតីតសង្សារខ្ញុំដើរតាមខ្ញុំ ហើយដឹងកន្លែងខ្ញុំស្នាក់នៅ", "stalking"),
        # a warning about the writer's children after a report, a story or a complaint
        ("after I wrote about the dredging, someone sent me photos of my daughter at school", "retaliation"),
        ("ke oy knhom dork peak bondeng vinh, ber ot chong oy kon knhom mean rerng", "retaliation"),
        ("ក្រោយខ្ញុំប្តឹង គេផ្ញើរូបកូនខ្ញុំមក ប្រាប់ឲ្យថែឲ្យល្អ", "retaliation"),
        # taken by men in plain clothes, whereabouts unknown since
        ("my cousin was taken by men in plain clothes at the market and nobody knows where he is", "abduction"),
        ("pdey knhom trov ke chab yok tov, yerng rok ot kheunh pi khe mun", "abduction"),
        ("បងខ្ញុំត្រូវគេចាប់យកទៅ ឥឡូវរកមិនឃើញ", "abduction"),
        # children living at a market or a station, nobody looking after them
        ("two small girls have been living at the bus station for a week, they beg for rice", "child_without_care"),
        ("kmeng 3 neak dek nov psar reang yub, ot mean neak merl", "child_without_care"),
        ("ក្មេងតូចៗដេកនៅចំណតឡាន គ្មានអ្នកមើលថែ", "child_without_care"),
        # a novice monk given money and told to hide it
        ("a man gives the little novice money and tells him not to tell anyone, then calls him alone", "grooming"),
        ("samne toch mneak ttuol luy pi bros mneak, ke prab oy leak sngat", "grooming"),
    ],
)
def test_signals_of_the_seventh_round(text, signal):
    assert signal in find_cues(text).signals


def test_no_parents_alone_an_ex_alone_or_a_scam_report_is_no_signal():
    # an orphan registered by a clerk, a divorce settled, a story written about a market
    assert find_cues("I am the commune clerk, how do I register the birth of a baby with no parents").signals == ()
    assert find_cues("kon ksoy ot mean ov mday, knhom chong tver chea neak tetuol khos trov").signals == ()
    assert find_cues("my ex husband and I agreed on the house, how do we register the sale").signals == ()
    assert find_cues("I wrote a story about the new market for the school paper").signals == ()


@pytest.mark.parametrize(
    "text, lowering",
    [
        # a past era: killings under the Khmer Rouge
        ("my great uncle was killed under Pol Pot, can the family see his file at the archive", "history"),
        ("samay khmer krohom ke samlab ta knhom, ailov chong rok ekasar", "history"),
        ("ជីតាខ្ញុំត្រូវគេសម្លាប់សម័យខ្មែរក្រហម តើមានបញ្ជីឈ្មោះទេ", "history"),
        # said outright: nobody hurt, only a quarrel, violence long over
        ("we fight about the well every week, only arguing, nobody was hurt", "no_harm"),
        ("yerng chhlouh knea rueng phlov, tae chhlouh knea te, ot mean neak robuos", "no_harm"),
        ("យើងឈ្លោះគ្នារឿងទឹក គ្រាន់តែឈ្លោះ គ្មានអ្នករបួស", "no_harm"),
        ("there was violence in our marriage but it ended years ago, now we only need the papers", "no_harm"),
        # a bull or a calf, straw or a bees' nest burnt, a tattoo or a toy gun
        ("his bull gored my calf and he says it was my fault", "animal"),
        ("the children burnt a hornets nest and the straw caught fire", "object"),
        ("ក្មេងៗដុតចំបើងក្បែរផ្ទះខ្ញុំ", "object"),
        ("the boys shot each other with a water gun at the festival", "object"),
        ("sak rup kambet ler dai ban te", "object"),
        # a football club's result
        ("Liverpool smashed Arsenal last night", "entertainment"),
        # a class report, a pupil of grade 12, a journalist in romanised spelling
        ("what is the penalty for arson? it is for my law class report", "asker_role"),
        ("sis rean thnak 12 sour pi tos bot lmeus", "asker_role"),
        ("knhom jea sarpordamean, sour pi rueng chuonh dou", "asker_role"),
        # a licence, a permit, the penalty, the criminal code
        ("do I need a licence to sell gunpowder for fireworks", "law_question"),
        ("trov som ach pi khum te bae chong dot somram?", "law_question"),
        ("ចង់លក់ថ្នាំពុល ត្រូវមានអាជ្ញាប័ណ្ណទេ", "law_question"),
        ("tos pontuch kar vay ke mean ponman?", "law_question"),
        ("what is the prison sentence for arson", "law_question"),
        ("kram prohmotonh niyeay pi kar samlab doy chetana yang mech", "law_question"),
    ],
)
def test_lowering_context_of_the_seventh_round(text, lowering):
    assert lowering in find_cues(text).lowering


def test_nobody_hurt_explains_violence_only_and_never_beside_harm_to_the_writer():
    fight = Danger(urgent=True, categories=("violence",))
    quarrel = find_cues("we fight over the boundary, only arguing, no violence")
    assert "no_harm" in quarrel.lowering and not quarrel.own_situation
    assert outcome(fight, quarrel, p=0.05, pc=0.05) == NONE
    # a threat is not explained by "nobody was hurt"
    threat = Danger(urgent=True, categories=("violence", "threat"))
    assert outcome(threat, quarrel, p=0.05, pc=0.05) == ASK
    # beside harm told to the writer it is no denial
    beaten = find_cues("my husband beats me but nobody was hurt badly")
    assert "no_harm" in beaten.lowering and beaten.own_situation
    assert outcome(fight, beaten, p=0.05, pc=0.05) == ASK
    # nor does it lower a threat-model signal
    held = Cues(signals=("confinement",), signal_categories=("trafficking",), lowering=("no_harm",))
    assert outcome(Danger(urgent=False), held, p=0.35, pc=0.35) == PROTECT


def test_a_past_era_explains_killing_words_like_a_thing_not_trafficking():
    killed = Danger(urgent=True, categories=("threat",))
    past = find_cues("my grandfather was killed by the Khmer Rouge, how do we get a land title")
    assert "history" in past.lowering
    assert outcome(killed, past, p=0.05, pc=0.05, intent="legal_information", conf=0.7) == NONE
    trafficked = Danger(urgent=True, categories=("trafficking",))
    assert outcome(trafficked, past, p=0.05, pc=0.05, intent="legal_information", conf=0.7) == ASK


def test_a_killing_in_a_past_era_is_no_threat_to_life_now():
    killed = Danger(urgent=True, categories=("threat",))
    past = find_cues("ក្នុងសម័យខ្មែរក្រហម គេសម្លាប់ឪពុកខ្ញុំ ឥឡូវយើងចង់សុំប័ណ្ណដី")
    assert past.threat_to_life and "history" in past.lowering
    assert outcome(killed, past, p=0.05, pc=0.05, intent="legal_information", conf=0.7) == NONE
    # without the era the same words are a threat to the writer's own people
    now = find_cues("គេសម្លាប់ឪពុកខ្ញុំ ឥឡូវយើងចង់សុំប័ណ្ណដី តាមច្បាប់")
    assert now.threat_to_life
    assert outcome(killed, now, p=0.05, pc=0.05, intent="legal_information", conf=0.7) == ASK


# --- eighth round ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, signal",
    [
        # kept at sea, not let ashore; a passport kept by the employer; leave to go out refused
        ("ប្តីខ្ញុំនៅលើទូកនេសាទនៅថៃ ថៅកែមិនឲ្យចុះគោកពីរខែហើយ", "confinement"),
        ("bong pros knhom nov tuk, mechas tuk ot oy choh kok 4 khe hz", "confinement"),
        ("the captain will not let him get off the boat since March", "confinement"),
        ("នៅរោងចក្រនៅកូរ៉េ ថៅកែរក្សាលិខិតឆ្លងដែនបងស្រីខ្ញុំ", "confinement"),
        ("my sister works in Dubai, the agency keeps her passport and she needs permission to go out", "confinement"),
        ("kon srey knhom nov Malaysia, chenh krau kor trov som chbab mechas phteah", "confinement"),
        ("នៅទីនោះគេហាមប្តូរការងារ ហើយចេញក្រៅក៏ត្រូវសុំថៅកែ", "confinement"),
        # not let go home until a debt is repaid
        ("I want to leave the farm but the boss says I have to pay back the recruitment fee first", "confinement"),
        ("knhom chong trolob phteah tae mechas thaa trov sang luy 800$ sen", "confinement"),
        # stalking by anyone, going on for long: knows what the writer wears or where they go
        (
            "for three months a stranger keeps texting me from new numbers and knows where I go after class",
            "persistent_stalking",
        ),
        ("mnus ot skoal phnhae sa roal thngai, ke deng tha knhom tov na", "persistent_stalking"),
        ("មានមនុស្សផ្ញើសាររាល់ថ្ងៃ ហើយដឹងថាខ្ញុំស្លៀកអាវអ្វី", "persistent_stalking"),
        # a witness warned about their children before they speak
        ("before my court hearing next week a man told me to remember I have two daughters", "retaliation"),
        ("ខ្ញុំត្រូវផ្តល់សក្ខីកម្ម គេប្រាប់ឲ្យគិតពីកូនខ្ញុំសិន", "retaliation"),
        ("knhom trov tov pdal sakkhikam, ke thaa kit pi kon aeng sen", "retaliation"),
        # children who need someone to care for them or a care placement
        ("three small children at the pagoda need a care placement, their mother left", "child_without_care"),
        ("ក្មេងពីរនាក់នេះត្រូវការអ្នកមើលថែ ឪពុកម្តាយទៅធ្វើការឆ្ងាយ", "child_without_care"),
        ("kmeng bei nak nis trov kar neak merl thae, mday vea chenh bat", "child_without_care"),
        # a baby or a child taken and not brought back
        ("the woman who helped at the clinic took my baby to be washed and never brought her back", "child_taken"),
        ("neak srey mnak yok kon nget knhom tov, ot yok mok vinh", "child_taken"),
        ("ស្រីម្នាក់យកកូនង៉ែតខ្ញុំទៅ ហើយមិនយកមកវិញ", "child_taken"),
        # a warning that the land will not stay the voters' own
        ("ke prab tha bae ot tov chol ruom, dei aeng nov sdong ban ponman", "land_threat"),
        ("the chief said if we vote the wrong way our land will not stay ours for long", "land_threat"),
    ],
)
def test_signals_of_the_eighth_round(text, signal):
    assert signal in find_cues(text).signals


def test_what_is_no_signal_in_the_eighth_round():
    assert (
        find_cues("if I quit before the contract ends I must pay back one month of salary, is it legal").signals == ()
    )
    # a stranger once, a phone kept for repair, leave from school, a child taken to school and back
    assert find_cues("a stranger asked me where the market is").signals == ()
    assert find_cues("the shop kept my phone for repair for three days").signals == ()
    assert find_cues("how do I keep my passport safe when I travel to Thailand").signals == ()
    assert find_cues("my husband takes our son to school every morning and brings him back at noon").signals == ()
    assert find_cues("we have lived on this land for twenty years, how do we get a title").signals == ()
    assert find_cues("ខ្ញុំចង់សុំច្បាប់ចេញពីការងារមួយថ្ងៃ តើថៅកែអាចកាត់លុយទេ").signals == ()


def test_a_battery_run_down_is_a_thing_and_no_longer_explains_a_signal():
    # was an idiom, which explains every word and signal: "held at sea three months, battery nearly out"
    held = find_cues("គេមិនឲ្យចុះគោកជិត៣ខែហើយ ទូរស័ព្ទជិតអស់ថ្ម")
    assert "confinement" in held.signals and "idiom" not in held.lowering and "object" in held.lowering
    assert outcome(Danger(urgent=False), held, p=0.1, pc=0.05, intent="dispute_mediation", conf=0.9) == ASK
    assert "object" in find_cues("my phone died and the shop will not repair it").lowering


def test_leave_to_go_out_is_no_law_question():
    asked = find_cues("ចេញក្រៅក៏ត្រូវសុំច្បាប់ថៅកែ")
    assert "law_question" not in asked.lowering and "confinement" in asked.signals
    assert "law_question" in find_cues("ចង់លក់ថ្នាំពុល ត្រូវសុំច្បាប់ពីណា").lowering


def test_a_concrete_child_on_a_near_day_is_a_report_not_a_question_in_a_role():
    child = Danger(urgent=True, categories=("child_at_risk",))
    report = find_cues("I am a teacher: my pupil, a 13 year old girl, is to be married on Sunday, what can we do?")
    assert "asker_role" not in report.lowering and report.soon
    assert outcome(child, report, p=0.1, pc=0.1, intent="legal_information", conf=0.9) == ASK
    # without a day that is near, the role still explains a law question about an age
    question = find_cues("I am a teacher: can a 16 year old girl marry with her parents' consent?")
    assert "asker_role" in question.lowering
    assert outcome(child, question, p=0.1, pc=0.1, intent="legal_information", conf=0.9) == NONE


@pytest.mark.parametrize(
    "text",
    [
        "he wants 300 dollars by 9pm or he sends the video",
        "pay before midnight or everyone sees it",
        "ke tar luy mun maong 10 yb",
        "គេទារលុយមុនម៉ោង៨យប់",
        "they will come back on Thursday",
        "ke nung mok vinh thngai prohos",
        "គេនឹងមកវិញថ្ងៃព្រហស្បតិ៍",
        "mok bontob bong yb nis",
        "they want the money within 48 hours",
    ],
)
def test_a_near_day_or_an_hour_is_soon(text):
    assert find_cues(text).soon


def test_a_child_taken_is_urgent():
    taken = find_cues("ke yok kon ngoeut knhom pi mondir pet ot mok vinh")
    assert "child_taken" in taken.signals
    t = decide(Danger(urgent=False), taken, False, 0.35, 0.35, "victim_protection", 0.5)
    assert t.safety in (PROTECT, ASK) and t.urgent


@pytest.mark.parametrize(
    "text, lowering",
    [
        # a virus or an app killed on a phone; crabs killed to cook; weeds killed
        ("how do I kill the app that keeps opening ads", "object"),
        ("how to kill a virus on my laptop", "object"),
        ("ត្រូវសម្លាប់ក្តាមមុនស្ងោរទេ", "animal"),
        ("what spray kills weeds between the rice", "animal"),
        # a score, a film, a staged fight
        ("our team got killed 5-0 last night, who won the other match?", "entertainment"),
        ("កូនខ្ញុំមើលកុនបាញ់គ្នា ហើយសួរពីកាំភ្លើង", "entertainment"),
        ("the boys made a staged fight video for tiktok", "entertainment"),
        # nobody injured, almost came to blows, calm again, never violence
        ("ផ្ទះឆេះ តែគ្មាននរណារងរបួសទេ", "no_harm"),
        ("បងប្អូនស្ទើរតែវាយគ្នា តែឥឡូវស្ងប់វិញហើយ", "no_harm"),
        ("we argue about the fees, never violence, just money", "no_harm"),
        # a price killed, words in anger, an oath, a smell
        ("ឈ្មួញសម្លាប់តម្លៃស្រូវ", "idiom"),
        ("ke samlab hang knhom doy lok thaok", "idiom"),
        ("ខ្ញុំនិយាយដោយកំហឹងទេ មិនធ្វើអ្វីគាត់ទេ", "idiom"),
        ("ke tha samlab knhom tov bae knhom kohok", "idiom"),
        ("klen chrouk samlab knhom hz", "idiom"),
        # a translator asking a term
        ("translator here: the Khmer term for forced labour in the law?", "asker_role"),
    ],
)
def test_lowering_context_of_the_eighth_round(text, lowering):
    assert lowering in find_cues(text).lowering


def test_an_order_is_no_shrimp_and_weed_is_not_a_wedding():
    assert "animal" not in find_cues("គេបង្គាប់ឲ្យដឹកកញ្ចប់ទៅព្រំដែន").lowering
    # repeated letters are squashed: "weed*" matched "wedding" and lowered a child's wedding as a thing
    cues = find_cues("a wedding for a girl of 14 on Saturday")
    assert "object" not in cues.lowering and "animal" not in cues.lowering


# --- ninth round: a report about a concrete person is a report, whoever writes it ---------------


@pytest.mark.parametrize(
    "text, signal",
    [
        # followed or tracked, told by a caseworker, a relative or a neighbour
        (
            "Legal aid officer. Our client, a market vendor, has been followed by unknown men since the hearing.",
            "followed_or_tracked",
        ),
        ("បងស្រីខ្ញុំ មានមនុស្សមិនស្គាល់ជិះម៉ូតូតាមដាន រៀងរាល់ល្ងាច", "followed_or_tracked"),
        ("bong srey knhom mean mnus min skal chis tam rol lngeach", "followed_or_tracked"),
        # intimidation around a land case or advocacy
        ("the district officer told my uncle to stop the land complaint or else", "advocacy_intimidation"),
        ("ពូខ្ញុំ គេប្រាប់ថាត្រូវឈប់តវ៉ារឿងដី ម្តាយខ្ញុំខ្លាចណាស់", "advocacy_intimidation"),
        # an elder's money or papers taken by those meant to care
        ("my grandfather is bedridden and my cousin keeps his pension, he sleeps on the floor", "elder_money_taken"),
        ("យាយខ្ញុំចាស់ជរា កូនប្រុសគាត់យកប្រាក់សោធនរាល់ខែ", "elder_money_taken"),
        ("yeay knhom chas jorea, kon pros kat yok luy sothon kat", "elder_money_taken"),
        # a person with a mental illness or a disability chained or shut away
        ("our neighbour keeps her son with a mental illness chained to a post behind the house", "disabled_confined"),
        ("ក្មួយខ្ញុំមានជំងឺផ្លូវចិត្ត គេដាក់ច្រវាក់ជាប់សសរ", "disabled_confined"),
        ("kmouy knhom chumngeu plov chet, ke dak chrovak", "disabled_confined"),
        # signs of control after a marriage abroad
        (
            "my niece married a Taiwanese man through a broker and cannot call us, she cries when she does",
            "married_abroad_control",
        ),
        # a goodbye message with a place of danger
        ("my brother posted goodbye and a photo of the river bank, his phone is off", "farewell_at_danger_place"),
        ("ប្អូនខ្ញុំផ្ញើសារថា សុំទោសគ្រប់យ៉ាង លាហើយ ហើយថាគាត់នៅលើស្ពាន", "farewell_at_danger_place"),
        ("kon knhom phnhae sa som tos mak, kom cham kon, haey tv tonle", "farewell_at_danger_place"),
        ("she texted sorry mum, do not wait for me, and walked towards the railway", "farewell_at_danger_place"),
        # a request for protection or a referral for a concrete person
        (
            "Social affairs officer. One of our beneficiaries, a widow aged 70, requests protection from her son-in-law.",
            "protection_requested",
        ),
        ("kon kdey yeung mnak som kar karpea", "protection_requested"),
        # a child of a stated age engaged or married, however formal the writer
        (
            "Head teacher here. A pupil aged 14 has been promised in marriage to a trader; what is the referral?",
            "child_marriage",
        ),
        ("ក្មេងស្រីម្នាក់អាយុ១៥ឆ្នាំ ត្រូវភ្ជាប់ពាក្យជាមួយបុរសអាយុ៤០", "child_marriage"),
        ("kmeng srey mnak ayu 15 chnam phjab peak jea muy bros", "child_marriage"),
        # a child of a stated age missing or not come back, reported by a clerk or a neighbour
        ("Village chief: a boy aged 12 from our village has been missing since the market day", "child_missing"),
        ("kmeng pros 14 chnam nov phum knhom ot mok vinh pi msel", "child_missing"),
        ("ក្មេងស្រីអាយុ១៣ឆ្នាំ បាត់ខ្លួនតាំងពីម្សិលមិញ", "child_missing"),
        # shut in a room without food; children at a hotel with a foreign man
        ("at the orphanage they put my nephew in a dark room with no food for two days", "shut_in_without_food"),
        ("ke khtob kon knhom knong bontup ngoet ot oy nham bay", "shut_in_without_food"),
        ("a foreigner took three kids from the beach to his hotel room", "child_at_lodging_with_man"),
        ("ក្មេងស្រីពីរនាក់ទៅផ្ទះសំណាក់ជាមួយបុរសបរទេសម្នាក់", "child_at_lodging_with_man"),
        # an old person of a stated age whose land papers are taken
        ("my father, 77, lives alone and my cousin took his land title to sell the field", "elder_money_taken"),
    ],
)
def test_signals_of_the_ninth_round(text, signal):
    assert signal in find_cues(text).signals


@pytest.mark.parametrize(
    "text",
    [
        # the law asked in general, with no concrete person: still a question
        "I am a teacher. What is the legal age of marriage in Cambodia?",
        "Is there protection available for union members under the labour law?",
        "Can my grandmother's pension be paid into a bank account?",
        "what is the penalty for intimidating land activists?",
        "my daughter is getting married next year, how do we register the marriage?",
        "can a 16-year-old marry if both parents sign? what is the minimum age for marriage in the law?",
        "kon srey 17 chnam ach rieb kar ban te tam chbab?",
        "my husband has been missing for two years and sends nothing for the children, can I divorce?",
        "I am the commune focal point: what is the referral pathway when a child reports abuse?",
        "the flood is rising in our village, where can we get rice?",
        "we are going to the river for a picnic on Sunday, goodbye for now",
        "we stayed at a guesthouse with the children, is the owner allowed to keep our deposit?",
    ],
)
def test_what_is_no_signal_in_the_ninth_round(text):
    assert find_cues(text).signals == ()


def test_a_report_for_a_concrete_person_is_not_explained_away_by_the_writers_role():
    cues = find_cues(
        "NGO caseworker. A client, a cleaner, is followed home by unknown men; is any protection available?"
    )
    assert "asker_role" in cues.lowering and "followed_or_tracked" in cues.signals
    # the classifier reads a law question, confidently: a signal still asks at least
    t = decide(Danger(urgent=False), cues, False, 0.15, 0.05, "legal_info", 0.9)
    assert t.safety in (PROTECT, ASK)


def test_shut_in_without_food_is_urgent():
    cues = find_cues("at the rehab centre they keep my cousin in a dark room without food")
    t = decide(Danger(urgent=False), cues, False, 0.4, 0.4, "victim_protection", 0.5)
    assert t.safety in (PROTECT, ASK) and t.urgent


def test_a_goodbye_by_a_bridge_and_a_chained_man_with_the_flood_rising_are_urgent():
    farewell = find_cues("my son texted goodbye, sorry for everything, he is walking to the bridge")
    t = decide(Danger(urgent=False), farewell, False, 0.4, 0.4, "victim_protection", 0.5)
    assert t.safety in (PROTECT, ASK) and t.urgent
    chained = find_cues("A man with a mental illness is chained behind his house and the flood water is rising")
    assert chained.soon
    t = decide(Danger(urgent=False), chained, False, 0.4, 0.4, "victim_protection", 0.5)
    assert t.safety in (PROTECT, ASK) and t.urgent


def test_round_16_a_debtor_who_disappeared_is_no_trafficking_word_a_threat_to_the_family_is():
    assert "trafficking" not in assess_danger("the builder took my $800 deposit and disappeared").categories
    assert "debt_threat" in find_cues("back from Thailand, the broker still demand luy, threaten family knhom").signals
    # a threat of the law over wages is no threat to anyone's family
    assert "debt_threat" not in find_cues("boss owes me 3 months wages and threatens to sue me").signals


@pytest.mark.parametrize(
    "text",
    [
        "i want to die, is it a crime to kill myself",
        "knhom chong slab hz, chbab tha mch dae",
        "ខ្ញុំចង់ស្លាប់ តើច្បាប់ថាម៉េច",
    ],
)
def test_a_law_question_does_not_explain_the_writers_own_wish_to_die(understand, text):
    assert understand(text).safety == PROTECT


def test_a_law_question_about_suicide_from_a_class_is_still_explained(understand):
    assert understand("is suicide a crime? for my law class").safety != PROTECT


# --- round 17 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "my boss is threatening to sue me if i keep asking for my unpaid wages",
        "the landlord threatens to take us to court over the deposit",
        "he threatened me with a lawsuit over the boundary fence",
        "ke kumream tha nung bdeng knhom vinh bae knhom kab doem svay",
        "kgnom kom ream tha nhom nung pdeng tov monti kar ngea",
        "គាត់គំរាមថានឹងប្តឹងខ្ញុំទៅតុលាការ",
    ],
)
def test_a_threat_of_the_law_is_no_threat_word(text):
    assert "threat" not in assess_danger(text).categories


def test_a_threat_of_harm_beside_a_threat_of_the_law_is_still_read():
    assert "threat" in assess_danger("he threatened to sue me, and he threatened my children").categories
    assert "threat" in assess_danger("he threatens to sue me and threatens to burn my house").categories
    assert "violence" in assess_danger("he threatens to sue me and says he will burn my house tonight").categories


@pytest.mark.parametrize(
    "text",
    [
        "debate club question: can a woman who killed her violent husband be convicted of murder?",
        "is helping someone commit suicide a crime? my student asked for debate club",
        "nursing student, ethics class: does the law punish someone who encourages a suicide?",
    ],
)
def test_a_debate_club_or_a_class_is_the_askers_role(text):
    assert "asker_role" in find_cues(text).lowering


def test_the_debate_club_as_a_place_is_no_askers_role():
    assert "asker_role" not in find_cues("the debate club coach touches the girls after practice").lowering


def test_pictures_taken_of_women_in_a_toilet_are_a_hidden_camera_even_in_a_law_question(understand):
    text = "what is the punishment for someone who takes photos of women in the factory toilet? it is my supervisor"
    assert "hidden_camera" in find_cues(text).signals
    assert understand(text).safety in (ASK, PROTECT)


def test_a_punishment_given_to_children_is_no_law_question():
    text = "the director beat the kids with a stick and locked them in a dark room as punishment"
    assert "law_question" not in find_cues(text).lowering
    assert "law_question" in find_cues("what is the punishment for beating a child?").lowering


@pytest.mark.parametrize(
    "text",
    [
        "knhom ot deng thvir ey tiet hz, knhom sorser sombot tuk oy kon hz, lea hz",
        "my friend posted goodbye everyone, she said she wanted to die, now her phone is off",
        "មិត្តខ្ញុំផ្ញើសារថា លាហើយ ខ្ញុំមិនដឹងធ្វើអ្វីទៀតទេ",
    ],
)
def test_a_goodbye_in_despair_is_a_signal_and_urgent(understand, text):
    assert "farewell_in_despair" in find_cues(text).signals
    u = understand(text)
    assert u.safety in (ASK, PROTECT) and u.urgent


def test_a_goodbye_alone_or_despair_alone_is_no_farewell_signal():
    assert "farewell_in_despair" not in find_cues("lea hz, knhom tov pteah sen").signals
    assert "farewell_in_despair" not in find_cues("i dont know what to do anymore with this land dispute").signals


def test_a_person_locked_in_is_confinement_in_other_spellings():
    assert "confinement" in find_cues("jouy ph ke jak sor knhom").signals
    assert "confinement" not in find_cues("knhom jak sor pteah haey tov psar").signals  # I locked the house


def test_a_case_referred_names_a_person_and_a_role_no_longer_explains_it():
    referral = "I am a social worker at an NGO and want to refer a girl who was raped last year, now in a shelter"
    assert not set(find_cues(referral).lowering) & {"asker_role", "law_question"}
    khmer = "ខ្ញុំជា social worker នៅ NGO ចង់ refer ករណីក្មេងស្រីដែលត្រូវរំលោភ ត្រូវការជំនួយផ្លូវច្បាប់"
    assert not set(find_cues(khmer).lowering) & {"asker_role", "law_question"}
    pathway = "CCWC focal point here, please send the referral pathway for GBV cases, who do we call first"
    assert "asker_role" in find_cues(pathway).lowering


# --- round 18 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["nhom ot chong rous teit te, tov lea hz, som tos mak", "knhom min chong ros tet", "ot jong rus teit"],
)
def test_not_wanting_to_live_any_more_in_other_spellings_is_self_harm(text):
    assert "self_harm" in assess_danger(text).categories


def test_not_wanting_to_live_with_someone_is_still_no_self_harm():
    assert "self_harm" not in assess_danger("knhom ot chong ros nov jea mouy pdey tiet, chong lea leng").categories


# --- round 19 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, signal",
    [
        ("ខ្ញុំទ្រាំលែងបានហើយ សុំទោសម៉ែ លាហើយ", "farewell_in_despair"),
        ("i cant do this anymore. i wrote a letter for my mom. sorry", "farewell_in_despair"),
        ("knhom trom leng ban hz, som tos me, lea hz", "farewell_in_despair"),
        ("I can't take it anymore. I have the pills in my hand", "despair_with_means"),
        ("i dont want to wake up tomorrow. the pesticide is under my bed", "despair_with_means"),
        ("ខ្ញុំអស់កម្លាំងរស់ហើយ ទិញថ្នាំពុលទុកហើយ", "despair_with_means"),
        ("a deaf young man works for the rice mill owner only for food, never paid", "disabled_unpaid_work"),
    ],
)
def test_signals_of_the_nineteenth_round(text, signal):
    assert signal in find_cues(text).signals


@pytest.mark.parametrize(
    "text",
    [
        "I can't stand the smell of the neighbour's pesticide anymore, my kids cough",
        "sorry for the late reply, the land office was closed",
        "my deaf brother is paid every month by the factory but less than the others",
    ],
)
def test_what_is_no_self_harm_or_unpaid_work_signal_in_the_nineteenth_round(text):
    assert not {"despair_with_means", "farewell_in_despair", "disabled_unpaid_work"} & set(find_cues(text).signals)


def test_a_goodbye_with_despair_or_the_means_is_urgent(understand):
    for text in ("I can't take it anymore. I have the pills in my hand", "ខ្ញុំទ្រាំលែងបានហើយ សុំទោសម៉ែ លាហើយ"):
        u = understand(text)
        assert u.safety in (ASK, PROTECT) and u.urgent


def test_the_spoken_negation_of_wanting_to_live_is_self_harm():
    assert "self_harm" in assess_danger("ញុំអត់ចង់រស់ទៀតទេ បំណុលច្រើនពេក").categories


def test_bees_that_attack_are_a_thing_not_a_person():
    assert "object" in find_cues("the neighbour's bees keep attacking customers at my noodle shop").lowering


def test_a_danger_word_the_danger_model_reads_as_no_danger_at_all_is_none():
    # round 19: "a death certificate for my father", "is the Killing Fields open on Sunday?"
    assert outcome(KILL, p=0.03, pc=0.1, intent="legal_information", conf=0.6) == NONE
    assert outcome(VIOLENCE, p=0.03, pc=0.1, intent="out_of_scope", conf=0.5) == NONE
    # ... not above QUIET_MODEL, not beside harm told to the writer, a signal, a denial or a
    # protection reading of the classifier
    assert outcome(KILL, p=0.08, pc=0.1, intent="legal_information", conf=0.6) == ASK
    assert outcome(KILL, Cues(harm_told=True), p=0.03, pc=0.1, intent="legal_information", conf=0.6) == ASK
    assert outcome(KILL, Cues(signals=("debt_threat",)), p=0.03, pc=0.1) == ASK
    assert outcome(KILL, p=0.03, pc=0.5, intent="victim_protection", conf=0.5) == ASK


def test_the_writer_who_names_themself_a_victim_is_harm_told():
    assert find_cues("last year knhom victim of domestic violence, now separate, need counselling").harm_told
    assert find_cues("ខ្ញុំជាជនរងគ្រោះអំពើហិង្សាក្នុងគ្រួសារ").harm_told
    assert not find_cues("how do I get a death certificate for my father").harm_told


# --- round 20 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "old lady next door padlocked inside 3 days, calling weak voice. pls come",
        "sum juy ke chak so knhom",
        "the kids were locked inside for two days without food",
    ],
)
def test_a_person_padlocked_or_locked_in_for_days_is_confinement(text):
    assert "confinement" in find_cues(text).signals


def test_a_room_padlocked_over_rent_is_no_confinement():
    assert "confinement" not in find_cues("the landlord padlocked the room with my things inside").signals


@pytest.mark.parametrize(
    "text",
    [
        "neak oy khchey luy komream tha nung dak knhom kuk bae ot sang",
        "the lender threatened to have me arrested if I do not pay",
        "Factory cut my salary because I was sick 3 days",
    ],
)
def test_a_threat_of_jail_and_a_salary_cut_are_no_danger_words(text):
    assert not {"threat", "violence"} & set(assess_danger(text).categories)


@pytest.mark.parametrize(
    "text, lowering",
    [
        ("for the pub quiz: how many killing fields sites are there in Cambodia?", "history"),
        ("Is the Killing Fields at Choeung Ek open on Sunday?", "history"),
        ("is there a time limit for murder? we argued after watching a documentary", "entertainment"),
        ("Bokator coach. When does self-defence become assault?", "entertainment"),
        ("tus prohmatoan somlab nov kampuchea nov mean te? debate sala knhom jong dong", "asker_role"),
    ],
)
def test_lowering_context_of_the_twentieth_round(text, lowering):
    assert lowering in find_cues(text).lowering


def test_harm_by_the_writers_husband_a_few_words_apart_is_harm_told():
    assert find_cues("pdei knhom control all money, check phone knhom everyday, sometime vay").harm_told
    assert find_cues("my husband takes all the money and sometimes hits me").harm_told


# --- round 21 -----------------------------------------------------------------------------------


def test_a_pupil_with_the_signs_of_neglect_is_a_child_without_care():
    text = (
        "student in my class (grade 3) always fall asleep, no breakfast, same clothes, lice. she live "
        "with grandma who is blind. parents in korea not sending money. how to report?"
    )
    assert "child_without_care" in find_cues(text).signals
    assert "child_without_care" not in find_cues("my son has lice, which shampoo is best?").signals
    assert "child_without_care" not in find_cues("I study grade 12, is it legal to work part time?").signals


@pytest.mark.parametrize(
    "text, lowering",
    [
        ("mephum sour: bey neak phum mok raykar tha mean hingsa knong pteah, trov kot tra na?", "asker_role"),
        ("kon srey ayu 16 ach riebkar ban ot? sour sombrab thnak sokhapheap", "asker_role"),
        ("he says he will kill the deal if I keep complaining", "idiom"),
    ],
)
def test_lowering_context_of_the_twenty_first_round(text, lowering):
    assert lowering in find_cues(text).lowering


@pytest.mark.parametrize(
    "text",
    [
        "kru kom ream tha nung tomlak kon knhom bec knhom ot bong luy rean khnea",
        "ta Chea yok povthao kab derm svay nov leu prom dey",
    ],
)
def test_a_teachers_threat_to_fail_and_a_tree_cut_down_are_no_danger_words(text):
    assert not {"threat", "violence"} & set(assess_danger(text).categories)


# --- round 22 -----------------------------------------------------------------------------------


def test_a_video_held_over_someone_for_money_is_extortion():
    assert "extortion" in find_cues("vea mean video knhom, som luy 200$ rol khe").signals


@pytest.mark.parametrize(
    "text, lowering",
    [
        ("me and my husband fight every night about money. nobody hit nobody, we just shout", "no_harm"),
        ("my sister and I are at war over mum's house. Not violent, we just dont talk", "no_harm"),
        ("a fight at a wedding last year, police closed it and everyone fine now", "no_harm"),
        ("yeung chlos knea rol thngai. ot mean nak na vay nak na te", "no_harm"),
        ("the supervisor said he will kill their contract if we strike", "idiom"),
        ("we killed Thailand 3-0 last night!!!", "idiom"),
        ("selling kitchen knives and machetes, 3$ each", "object"),
        ("kar bonh kampleung phay nov kammovi kar mongkol, tos ot?", "object"),
        ("kar somlab ko nov ptes dermbey luok sach nov psar trov ka ach nha pi na?", "object"),
        ("គុនខ្មែរយប់នេះ អ្នកណាឈ្នះ? វាយសន្លប់ក្នុងទឹកទី២ឬអត់", "entertainment"),
        ("if a drunk driver kills someone he gets 5 years. what is the law", "law_question"),
    ],
)
def test_lowering_context_of_the_twenty_second_round(text, lowering):
    assert lowering in find_cues(text).lowering


def test_a_score_is_an_idiom_but_a_beating_counted_is_not():
    assert "idiom" not in find_cues("he beat me 3 times last night").lowering


# --- round 23 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, lowering",
    [
        ("កាំបិតផ្គាក់ ពូថៅ ដែកល្អពីកំពង់ឆ្នាំង លក់ដុំលក់រាយ", "object"),
        ("jong somlab mus nov phteah, prae thnam na lo?", "object"),
        ("luk kampleng tuk somrab Choul Chnam 5000 riel", "object"),
        ("a guy sold me a killer bass speaker, arrived dead", "idiom"),
        ("yeung chlous reong dey, ot mean reung hingsa avei te", "no_harm"),
        ("ខ្ញុំនិងប្អូនថ្លៃទះគ្នាពេលការ ឥឡូវជាគ្នាវិញហើយ", "no_harm"),
        ("I punched my co-worker last month, we both said sorry and police closed it", "no_harm"),
        ("sis vay knea nov sala, sala mean sit bonh chenh ot? knhom jea neayok sala tmey", "asker_role"),
        ("polis posti sour: ber chab ban jon sangsay, trov bonhjun tov tornakar knong 48 maong?", "asker_role"),
        ("bang kyom jab kuk pi bot vay ke, som sour tov sour sok nov Prey Sar trov yok avei", "law_question"),
    ],
)
def test_lowering_context_of_the_twenty_third_round(text, lowering):
    assert lowering in find_cues(text).lowering


def test_a_truck_from_a_brick_kiln_is_no_forced_labour_but_a_kiln_still_is():
    assert "forced_labour" not in assess_danger("a truck from the brick kiln hit my parked moto").categories
    assert "forced_labour" in assess_danger("my family works at a brick kiln until the debt is paid").categories


# --- round 24 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, lowering",
    [
        ("For my psychology report: is attempted suicide a crime in Cambodia? academic only", "asker_role"),
        ("nhom jea neak kasaet, sorser atthabot reang attakhat knong yuvachun", "asker_role"),
        ("krom sisa rien pi pholkam koma, kmeng mnak sour, nhom kru ot deng chhlery", "asker_role"),
        (
            "if I hit a robber with a stick, will I be punished? just want to know the rules of self defense",
            "law_question",
        ),
    ],
)
def test_lowering_context_of_the_twenty_fourth_round(text, lowering):
    assert lowering in find_cues(text).lowering


def test_a_report_explains_nothing_beside_the_writers_own_wish_to_die():
    assert "asker_role" not in find_cues("i want to die, for my report on depression").lowering


# --- round 27: a lock on a thing, a guarded door, a death long ago, self-harm always urgent ---------
# Messages written for these tests (not taken from an evaluation set).


@pytest.mark.parametrize(
    "text",
    [
        "ម្ចាស់ផ្សារចាក់សោតូបខ្ញុំ ព្រោះខ្ញុំនៅជំពាក់ថ្លៃជួលមួយខែ ទំនិញខ្ញុំនៅខាងក្នុង សុំជួយសម្រុះសម្រួល",
        "mchas psar chak so toub knhom pi prous knhom yeut thlai jual, ivan nov knong os",
        "the owner padlocked my market stall because I am two weeks late with the rent, my goods are inside",
        "ជាងដែកនៅជិតផ្ទះវាយដែករហូតដល់យប់ ឮខ្លាំងណាស់ កូនខ្ញុំរៀនមិនបាន",
    ],
)
def test_a_lock_on_a_thing_or_hammered_metal_is_no_danger_word(understand, text):
    u = understand(text)
    assert not any(r in ("word:trafficking", "signal:confinement", "word:violence") for r in u.safety_reasons)
    assert u.safety != PROTECT, u.safety_reasons


@pytest.mark.parametrize(
    "text",
    [
        "ម្តាយចុងចាក់សោខ្ញុំក្នុងបន្ទប់ មិនឲ្យចេញទៅរៀនទេ",
        "pdey knhom jak sor knhom nov knong pteah 2 thngai hz",
        "my employer locked me in the storeroom and took my phone",
    ],
)
def test_a_person_locked_in_is_still_protected(understand, text):
    u = understand(text)
    assert u.safety == PROTECT, u.safety_reasons


def test_a_guarded_door_and_no_food_is_urgent(understand):
    u = understand(
        "ke yok passport knhom, bae ot rok luy ban ke ot oy nham bay, mean neak yeam tvear jea rieng real thngai"
    )
    assert u.safety == PROTECT and u.urgent
    assert "signal:shut_in_without_food" in u.safety_reasons


@pytest.mark.parametrize("text", ["ខ្ញុំចង់ស្លាប់", "i want to kill myself", "knhom chong samlab kluon"])
def test_self_harm_words_are_protected_and_urgent_whatever_the_models_read(understand, text):
    u = understand(text)
    assert u.safety == PROTECT and u.urgent


def test_self_harm_told_of_the_past_with_quiet_models_is_asked_never_dropped():
    harm = Danger(urgent=False, categories=("self_harm",))
    past, now = Cues(past=True), Cues()
    assert decide(harm, past, False, 0.01, 0.02, "legal_information", 0.9).safety == ASK
    assert decide(harm, now, False, 0.01, 0.02, "legal_information", 0.9).safety == PROTECT
    assert decide(harm, past, False, 0.2, 0.02, "legal_information", 0.9).safety == PROTECT  # a model reads danger
    goodbye = Cues(past=True, signals=("farewell_in_despair",), signal_categories=("self_harm",))
    assert decide(harm, goodbye, False, 0.01, 0.02, "legal_information", 0.9).safety == PROTECT
    assert find_cues("my father took his own life in 2015").past and not find_cues("my father is sick").past
    assert find_cues("ឪពុកខ្ញុំស្លាប់កាលពីឆ្នាំ២០១៥").past
