"""Safety triage: `protect`, `ask` or `none`, after the classifier, the same for every backend.

The word list (`nlu.safety`) is kept for what must never be missed, but a danger word alone is no
longer enough to open an urgent protection case, and the absence of one no longer lets a victim
through. Three kinds of evidence are weighed:

- **Danger words** (`nlu.safety.assess_danger`): violence, threats, sexual abuse, trafficking,
  forced labour, a child at risk.
- **Signals** of the broader threat model, told without those words (`SIGNALS` below): a threat
  tied to a debt or to land, extortion (with intimate images or not), grooming (gifts, money or
  drugs to a child, an adult asking a child to come alone or in secret), child marriage to settle
  a debt, a child left without care, confinement and withheld documents or phones, work abroad
  where contact stopped, fear of going home; since the third round also sexual coercion over a
  favour (a document, the rent, a job for private time), an old or disabled person kept without
  care, debt bondage (work until a debt is paid) and a job offer with the marks of deception;
  since the fourth round a hint that a house may burn tied to a debt or a deadline, a hidden
  camera or secret filming where someone washes or sleeps, and a warning to someone who reported
  or testified (retaliation); since the fifth round someone taken away with contact cut, a hint
  of death aimed at someone; since the sixth round a child given away to someone who pays the
  parents; since the seventh round a veiled death threat ("you will not see tomorrow") and a former
  partner who follows, tracks or turns up where the writer works or lives (stalking); since the
  seventeenth round a goodbye told in despair (a letter left for the children, a wish to die, a
  phone no longer answered).
- **Context that lowers the signal** (`LOWERING`): a vehicle, an animal, the weather or an object
  as the thing hit, noise and a work accident (these explain violence and threat words only,
  never trafficking, sexual abuse, forced labour or a threat-model signal); films, games and
  sport; a question about the law from a teacher, an official, a student or an employer, or from
  a workplace asking its procedure (the asker's role explains a danger word, not a threat-model
  signal, and is no role when the writer tells what happens to them); an idiom ("this heat is
  killing me lol", "the trader killed the price"). Since the sixth round a law question, a film or
  sport, or a joke explains no danger word told beside harm done to the writer or their own people
  or going on unreported ("my husband beats me, what does the law say?" is asked at least), and
  nothing but a joke explains a threat to the writer's life ("pesticide in my food to kill me").
  Since the seventh round a past era (killings under the Khmer Rouge) explains what a thing
  explains, a threat to life included, and a statement that nobody was hurt, that it was only a
  quarrel or that violence is long over explains a word of violence, never beside harm to the
  writer or their own people.

and two models: the intent classifier's probability of `victim_protection` (Rasa's or the
embedded one's) and a small **danger model** (`DangerModel`: danger / no danger, character
n-grams across scripts, word pairs, and the signals, the lowering context and the denial as
features — not the word list, so that it is an independent second opinion), a sigmoid-calibrated
linear SVM trained on every labelled example in `nlu/data/*.yml` but the ordinary-messages-only
`nlu_general_*` files (victim_protection against everything else; `nlu_triage.yml` to
`nlu_triage6.yml` hold examples written for this, since the tenth round `nlu_danger_*.yml`, about
1,050 more in Khmer script, romanised Khmer and English: victims told without danger words and
non-victims whose messages carry one, and since the fourteenth `nlu_selfharm.yml`, 300 more:
self-harm told indirectly beside the same words with no one at risk).

Outcomes (`decide`; `m` is the mean of the two models' probabilities):
- `protect`: two agreeing signals — a danger word or a threat-model signal, no lowering context,
  and m >= 0.35 (0.3 for a threat-model signal, 0.25 for a sexual abuse or trafficking word); or
  both models together (m >= 0.6, each >= 0.3). A protection case at once.
- `none`: words or signals that the context, a denial or a confident other reading explain, with
  m < 0.25 (a threat to kill, a weapon or "now" only by the context or a denial); or nothing.
- `ask`: anything else with a word, a signal, a protection reading or a model's doubt (the danger
  model alone at ASK_MODEL or more asks, however sure the classifier is of another reading). The
  dialogue asks once: is anyone hurting you or in danger now?
"""

from __future__ import annotations

import logging
import os
import pickle
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlu.safety import CATEGORIES, LOCKED_THINGS, compile_terms, matching_keys, stated_minor
from nlu.types import Danger, Intent, IntentScore

log = logging.getLogger(__name__)

PROTECT = "protect"
ASK = "ask"
NONE = "none"

# Thresholds. `m` is the mean of the two models' probabilities of danger (the danger model's and the
# classifier's victim_protection): the second opinion a danger word needs. Tuned on nlu/eval/dev_*,
# heldout_*, heldout2_* and heldout3_* together (held-out sets 2 and 3 are development data since
# issue 14's second and third rounds; a blind set 4 measures the third round). Checked again,
# unchanged, on all five sets with heldout4_* in the fourth round (a blind set 5 measures it).
# Tenth round (the danger model retrained with nlu_danger_*.yml; sets 2-10 as development data, both
# backends): WORD_PROTECT 0.3 -> 0.35, AGREE 0.5 -> 0.6, ASK_MODEL 0.4 -> 0.35. The retrained model
# reads higher on everything, ordinary money disputes included; on the nine sets this keeps victims
# protected at once at 0.97 (both backends) while non-victims sent to protection fall 0.025 -> 0.017
# (embedded) and 0.029 -> 0.021 (Rasa), and asks one victim more on the embedded backend and two on
# Rasa that were missed, for 0.4-0.6 % more non-victims asked. A blind set 11 measures it.
WORD_PROTECT = 0.35  # a danger word (no lowering context, not denied) and m at least this -> protect
# Sexual abuse and trafficking words are seldom said in passing ("romlop dei", land grabbing, is
# blanked): such a word needs a little less agreement. Set in the fourth round: a girl who writes
# that her uncle raped her and she told no one, and a friend raped a year ago, were only asked at
# m 0.28-0.30; no non-victim on the five sets has such a word, unexplained, in [0.25, 0.3).
GRAVE_WORD_PROTECT = 0.25
SIGNAL_PROTECT = 0.3  # a threat-model signal (no lowering context) and m at least this -> protect
# AGREE was 0.6 until the third round: at 0.5 twelve more victims without danger words on the four
# sets are protected at once, against two more non-victims (a guarantor's debt, a case's status).
# Back to 0.6 in the tenth round (above): the retrained danger model reads 0.5-0.8 on wage and
# tontine disputes, and the victims it and the classifier agree on at 0.5-0.6 are asked instead.
AGREE = 0.6  # no word or signal needed: m at least this and each model at least AGREE_EACH -> protect
AGREE_EACH = 0.3
EXPLAINED_BELOW = 0.25  # words / signals the context, a denial or a confident other reading explain
OTHER_READING = 0.8  # "a confident other reading": the classifier's best non-victim intent this sure
ASK_MEAN = 0.3  # nothing named, m at least this -> ask
ASK_EITHER = 0.6  # nothing named, either model at least this -> ask
# nothing named, the danger model (the independent opinion) at least this -> ask, however sure the
# classifier is of another reading (Rasa's probabilities are more extreme than the embedded one's).
# 0.35 -> 0.3 in the fourteenth round (the models retrained with nlu_general_*.yml and
# nlu_selfharm.yml; sets 2-15 as development data): the three victims the embedded backend still
# missed there (a 17-year-old kept at work until a $1,500 debt is paid, a wife whose pay and phone
# her husband keeps, a sister abroad whose broker wants $2,000 before she may come home) read 0.30-0.35
# and are asked, for 1.0 % more of all non-victims asked (9.3 -> 10.3 %) and none more protected.
ASK_MODEL = 0.3
# words or signals that the lowering context explains and the danger model (which sees that
# context) reads below this -> none, whatever the classifier reads
CONTEXT_EXPLAINS = 0.1
# Round 19: a danger word the danger model (which reads the whole message) finds no danger in at all,
# the classifier reading something else, no signal, no threat to life or "now" and no harm told to
# the writer or their own people -> none ("a death certificate for my father", "is the Killing
# Fields open on Sunday?", "report a missing ID card"). A word of killing, a weapon or "now" too:
# unlike the classifier's other reading (which never explains those away), this is the reading of
# the model that sees the whole message. On the development sets 2-20 this drops about one in ten
# of the non-victims asked; the one victim below it ("last year knhom victim of domestic violence,
# now separate") is harm told to the writer, which the rule leaves alone.
QUIET_MODEL = 0.05

# --- the broader threat model (data) ------------------------------------------------------------
# Each signal: groups that must all occur in the message (any term of each group). Terms as in
# nlu.safety: Khmer script matches inside words, Latin terms whole words with systematic
# romanised spellings, `*` any ending, a space any separator.

_LENDER = (
    "ម្ចាស់បំណុល",
    "អ្នកចងការ",
    "អ្នកទារបំណុល",
    "ម្ចាស់ប្រាក់",
    "បំណុល",
    "ជំពាក់",
    "ខ្ចីលុយ",
    "mechas bomnol",
    "neak chong kar",
    "neak tam bomnol",
    "neak ouy luy kchey",
    "neak khchey",
    "bomnol",
    "jompeak",
    "khchey luy",
    "sang luy",
    "lender*",
    "moneylender*",
    "loan shark*",
    "creditor*",
    "debt*",
    "collector*",
    "borrow*",
    "owe",
    "owes",
    "owed",
    "loan*",
    "pay back",
    "payment*",
    # demanding a (missing relative's) debt from the family
    "ទារលុយ",
    "ទារប្រាក់",
    "ទារបំណុល",
    "(tar|tear|tea) (luy|loy|prak|bomnol)",
    "demand* (the )?(money|debt|repayment)",
    # sixteenth round: code-switched, "broker still demand luy"
    "demand* (luy|loy|lui|prak|bomnol)",
)
_LAND = (
    "ដី",
    "ប្លង់",
    "ក្រុមហ៊ុនដី",
    "ចម្ការ",
    "dei",
    "dey",
    "plong",
    "kromhun dei",
    "chamkar",
    "farm",
    "sell",
    "land",
    "title",
    "plot",
    # a village or family told to leave (eviction with a deadline and a warning)
    "ចាកចេញពីភូមិ",
    "រើចេញ",
    "រុះរើ",
    "បណ្តេញចេញ",
    "(rirk|rer|reu|rur|ruh) (chenh|chen|chenj)",
    "chak chenh",
    "(bondenh|bandenh|bonhdenh) (chenh|chen)",
    "evict*",
    "leave (the|our|this|your) (village|land|house|home)",
    "move out",
)
# A veiled warning about the writer's children or family ("a photo of your daughter... take good
# care of her", "if you do not want your children to have trouble"), seventh round: a threat beside
# a lender or land (`_THREAT_WORDS`) and a warning after a report (`_WARNING`).
_CHILDREN_WARNING = (
    "ថែឲ្យល្អ",
    "ថែរក្សាឲ្យល្អ",
    "រូបកូន",
    "បើមិនចង់ឲ្យកូន",
    "បើមិនចង់ឲ្យគ្រួសារ",
    "(thae|the|thei) (reaksa )?(oy|aoy|ouy) (laor|lor|la|lao)",
    "(rup|roup|rub|roub) (kon|koun)",
    "(ber|bae|baeu|beu) (ot|min|mun) (chong|chang|jong) (oy|aoy|ouy) (kon|koun|kruosar|krousar|kruosa|propon|prapon)",
    "(kon|koun) (knhom|khnhom|knom|aeng|ek|neak) (mean|nung mean) (rerng|reuoeng|roeung|reuong|rueng|reung)",
    "mean (rerng|roeung|reuong|rueng|reung)",
    "(photo|photos|picture|pictures) of (my|your|her|his|our) ([a-z]+ )?(child|children|son|daughter|kids|baby|family)",
    "take (good )?care of (her|him|them|your (child|children|kids|son|daughter|family))",
    "(if|unless) you (dont|don't|do not) want (your|the) (child|children|kids|son|daughter|family|wife|husband)",
)
_THREAT_WORDS = (
    "នឹងមក",
    "ស្តាយក្រោយ",
    "គ្រោះថ្នាក់",
    "ដឹងថា",
    "តាមរបៀបគេ",
    "បាត់ខ្លួន",
    "ដើរមិនរួច",
    "មិនបានត្រឡប់",
    "ជាវេន",
    "យកកូន",
    "យកប្រពន្ធ",
    "nung mok",
    "(nung|nhung|ning|neng) (mok )?yok",
    "mok rok",
    "ot leng",
    "min leng",
    "krohtnak",
    "tam robieb ke",
    "bat khluon",
    "ot ach deur",
    "ven prapon",
    "deng",
    "regret",
    "(have|has|had|get|gets|meet|meets|meet with) (an )?accident*",
    "accidents happen",
    "would be (sad|a shame|a pity)",
    "disappear*",
    "will come",
    "will visit",
    "visit us",
    "his men",
    "their men",
    "deal with",
    "his own way",
    "know where",
    "knows where",
    "which school",
    "next time",
    "not walk",
    "finish me",
    "something will happen",
    "will take my",
    "take my (son|daughter|child|wife|sister|kids)",
    "as payment",
    "make sure",
    # veiled: "be careful", "it would be a pity", "if you want your children to live well"
    "ប្រយ័ត្ន",
    "គួរឲ្យស្តាយ",
    "រស់ស្រួល",
    "មានរឿង",
    "brayat*",
    "prayat*",
    "rous sruol",
    "mean reuoeng",
    "be careful",
    "careful",
    "pity",
    "dangerous",
    "safe",
    "do not come back",
    "don't come back",
    # a warning, stones thrown at the house
    "ព្រមាន",
    "ចោលថ្ម",
    "គប់ថ្ម",
    "prom mean",
    "bos thmor",
    "chol thmor",
    "kob thmor",
    "warning",
    "warned",
    # sixteenth round: a lender's threat to the family ("call everyday threaten family knhom"), not
    # the word alone: "he threatens to sue me" over wages is a lender's word too, and no danger
    "threat* (my |our |his |her |the |your )?(family|families|kids|children|child|son|daughter|wife|husband|parents|mother|father|sister|brother)",
    "threw stones",
    "throw stones",
    "throwing stones",
    "stones (at|on|onto) (our|the|my|his|her) (house|roof|door|window*)",
    # "don't blame us" (for what happens next)
    "កុំបន្ទោស",
    "kom bantos",
    "kom bontos",
    "dont blame",
    "don't blame",
    "do not blame",
    *_CHILDREN_WARNING,
    # eighth round: "how long your land will stay yours" (if you vote or speak wrongly)
    "(nov|nou|nau) (sdong|stong|sdaung|sngiem|sngeam) ban (pon man|ponman|bonman|bon man)",
    "how long (it|they|your [a-z]+|our [a-z]+|you) (will|would|can) (stay|remain|be) (yours|ours|theirs)",
    "(won't|wont|will not|would not|may not) (stay|remain|be) (yours|ours|theirs)",
)
_INTIMATE = (
    "អាក្រាត",
    "ពេលងូតទឹក",
    "រូបភាពឯកជន",
    "វីដេអូខ្ញុំ",
    "(video|vdo|vedio) (knhom|khnhom|knom|khnom)",
    "ot sliek khao av",
    "ot slek khao av",
    "akrat",
    "naked",
    "nude*",
    "without clothes",
    "no clothes",
    "bedroom video",
    "private photo*",
    "private picture*",
    "intimate",
    "sex video",
)
_PAY_OR_SHARE = (
    "ទារលុយ",
    "ឲ្យលុយ",
    "ផ្ញើ",
    "ដាក់",
    "បង្ហោះ",
    "tam luy",
    "aoy luy",
    # round 22: money asked for ("vea mean video knhom, som luy 200$ rol khe")
    "(som|sum|tar|ter|dar) (luy|lui|prak)",
    "usd",
    "phnhaer",
    "post*",
    "pay",
    "money",
    "dollar*",
    "send",
    "share*",
    "show",
    "unless",
    "tiktok",
    "facebook",
    "dak",
)
_CHILD = (
    "កូន",
    "ក្មេង",
    "ក្មួយ",
    "កុមារ",
    "សិស្ស",
    "kon",
    "koun",
    "kmeng",
    "khmeng",
    "kmouy",
    "komar",
    "child*",
    "kid",
    "kids",
    "son",
    "daughter*",
    "boy*",
    "girl*",
    "niece",
    "nephew",
    # round 21: a pupil, a child in a primary or lower-secondary grade ("student in my class (grade 3)")
    "pupil*",
    "schoolchild*",
    "schoolgirl*",
    "schoolboy*",
    "(grade|class) [1-9]",
    # seventh round: a novice monk
    "សាមណេរ",
    "(samne|samney|samnay|samanera|samanen)",
    "novice*",
)
_LURE = (
    "ឲ្យលុយ",
    "ឲ្យនំ",
    "ស្ករគ្រាប់",
    "កាដូ",
    "គ្រឿងញៀន",
    "ទូរស័ព្ទ",
    "បារី",
    "aoy luy",
    "(oy|ouy) (luy|loy|prak)",
    "(ttuol|tetuol|totuol|ttuel) (luy|loy|prak)",
    "aoy nom",
    "skor",
    "kado",
    "kroeung nhien",
    "barey",
    "tourasap",
    "gift*",
    "sweets",
    "candy",
    "money",
    "phone*",
    "credit",
    "cigarette*",
    "beer",
    "drug*",
    "pays",
    "paid",
)
_ALONE = (
    "ម្នាក់ឯង",
    "តែម្នាក់ឯង",
    "សម្ងាត់",
    "ផ្ទះគាត់",
    "ផ្ទះសំណាក់",
    "mneak eng",
    "samngat",
    "phteah kat",
    "phteah somnak",
    "alone",
    "secret*",
    "his room",
    "his house",
    "his home",
    "guesthouse",
    "hotel",
    "without telling",
    "meet him",
    "go with him",
    # seventh round: told to hide it
    "លាក់កុំឲ្យ",
    "(leak|lak|leik|leuk) (sngat|samngat|som ngat|snguot)",
    "(kom|kum) (prab|brab) (neak|nak) (na|nona|norna)",
    "(dont|don't|do not|never) tell (anyone|anybody|your|his|her)",
)
_MARRY = (
    "រៀបការ",
    # a wife to be, not a wife one has ("my ex-wife won't let me see the kids though I send money")
    "ធ្វើប្រពន្ធ",
    "ធ្វើជាប្រពន្ធ",
    "ប្រពន្ធចុង",
    "ប្រពន្ធទីពីរ",
    "ភ្ជាប់ពាក្យ",
    "កូនក្រមុំ",
    "rieb kar",
    "riep kar",
    "(rieb|riep|reab|reap|rieb) ka",
    "phjab peak",
    "pjab peak",
    "(tver|twer|jea|chea) (prapon|propon|prapun)",
    "(prapon|propon|prapun) (chong|ti pi|tipi)",
    "marry",
    "married",
    "marriage",
    "(as|to be) (a|his|their) wife",
    "(second|2nd|third|young|little) wife",
    "bride",
    "engagement",
    "engaged",
)
_SETTLE = (
    "បំណុល",
    "ជំពាក់",
    "លុយ",
    "bomnol",
    "jompeak",
    "luy",
    "debt*",
    "loan*",
    "creditor*",
    "owe*",
    "money",
    "pays",
)
_NO_CARE = (
    "ម្នាក់ឯង",
    "គ្មានមនុស្សធំ",
    "គ្មានឪពុកម្តាយ",
    "គ្មាននរណាមើល",
    "គ្មាននរណាថែ",
    "សំរាម",
    "ឃ្លាន",
    "ស្គម",
    "ដេកនៅផ្សារ",
    "ចាក់សោក្នុងផ្ទះ",
    "mneak eng",
    "ot mean mnus thom",
    "ot mean ovpuk mdai",
    "somram",
    "klean",
    "sgom",
    "alone",
    "no adult",
    "nobody comes",
    "nobody looks after",
    "no one looks after",
    "rubbish",
    "garbage",
    "hungry",
    "thin",
    "left behind",
    "locked inside",
    "sleeps at the market",
    # seventh round: nobody looking after them, living or sleeping at a station or a market (not
    # "no parents" alone: an orphan whose birth or guardianship is registered is no child at risk)
    "គ្មានអ្នកមើល",
    "គ្មានអ្នកថែ",
    "ដេកនៅចំណត",
    "ដេកនៅស្ថានីយ",
    "(ot|kmean|khmean|min) mean (neak|nak) (merl|mel|meul|mer|thae|the|chenhchem|chenchem)",
    "(dek|deik|rous|ros|nov) nov (chamnot|chomnot|chamnort|psar|phsar|sthani)",
    "(nobody|no one|noone) (to )?(look|looks|looking|care|cares|caring) (after|for) (them|him|her)",
    "(sleep|sleeps|sleeping|slept|live|lives|living|lived) (at|in) (a |the )?(bus station|station|bus stop|market|street|streets)",
    # eighth round: children who need someone to care for them or a place to live (a care placement)
    "ត្រូវការអ្នកមើលថែ",
    "ត្រូវការកន្លែងស្នាក់នៅ",
    "គ្មានអ្នកចិញ្ចឹម",
    "(trov|tro) (kar|ka) (neak|nak) (merl|mel|meul|mer|thae|the|chenhchem|chenchem)",
    "(ot|kmean|khmean) (neak|nak) (chenhchem|chenchem|chinchem)",
    "care placement*",
    "(long-? ?term|alternative|residential|emergency) (care|shelter|placement)",
    "(nobody|no one|noone) (to )?(take|takes|taking) care of (them|him|her)",
    "(need|needs|needing) (a )?(home|family|place to (live|stay)|someone to (look after|care for|take care of))",
    # round 21: the signs a teacher sees ("always falls asleep, no breakfast, same clothes, lice ...
    # parents in Korea not sending money", set 22's missed victim)
    "no breakfast",
    "without breakfast",
    "(comes|come|came) to school hungry",
    "same (dirty )?clothes",
    "(parents|mother|father|mum|mom|dad) ([a-z]+ ){0,4}(not|never|no longer|stopped|stop) (send|sending|sends|sent) (any )?money",
    "មិនបានញ៉ាំបាយព្រឹក",
    "មិនដែលបានញ៉ាំបាយព្រឹក",
    "ស្លៀកខោអាវដដែល",
    "ឪពុកម្តាយមិនផ្ញើលុយ",
    "(ot|min) (ban )?(nham|hop|ñam) (bay pruk|bay preuk|ahar pel pruk)",
    "(ot|min) (phnheu|phnhae|phjeur|phnhoe) (luy|lui) (mok )?(te|tae)?",
)
_CONFINE = (
    "ចាក់សោ",
    "មិនឲ្យចេញ",
    "មិនឲ្យទៅ",
    "មិនឲ្យប្រើទូរស័ព្ទ",
    "មិនឲ្យទូរស័ព្ទ",
    "យកទូរស័ព្ទ",
    "យកលិខិតឆ្លងដែន",
    "យកអត្តសញ្ញាណប័ណ្ណ",
    "មិនឲ្យមកលេងផ្ទះ",
    "chak sao",
    # seventeenth round: "ke jak sor knhom" (they lock me in): the person locked, in other spellings
    "padlocked (in|inside|her|him|them|me|us)",
    "(locked|padlocked) (in|inside) (for )?([0-9]+|two|three|four|five|many|several) (days|nights)",
    "(chak|jak|chhak|cak|jhak) (sao|sor|sau|saw|sou|so) (knhom|khnhom|kgnom|knom|khnom|nhom|kyom|knyom|yerng|yeung|kon|kat|keat|gat|neang|pon)",
    "(ot|min) (oy|aoy|ouy) (chol|chul|lerng|laeng) (kompong|kampong|chhner|kok|ko)",
    "not (let|allowed) (me|him|her|them|us)? ?(to )?(come|go) ashore",
    "ot aoy chenh",
    "min aoy chenh",
    "ot aoy tel",
    "yok tourasap",
    "yok passport",
    "yok atasanhanabat",
    "locks",
    "locked",
    "keeps my passport",
    "keeps my id",
    "keeps my phone",
    "kept my id",
    "takes my phone",
    "took my phone",
    "not let me leave",
    "not let me use",
    "not let me see",
    "not let him call",
    "not let her call",
    "not allowed to leave",
    "cannot leave",
    "can't leave",
    "never leave",
    # eighth round: kept at sea (not let ashore), a passport kept by the employer, leave to go out or
    # to change jobs refused
    "មិនឲ្យចុះគោក",
    "មិនឲ្យឡើងគោក",
    "មិនឲ្យចូលកំពង់",
    "មិនឲ្យចុះពីទូក",
    "(ot|min) (oy|aoy|ouy) (choh|chos|chus) (kok|kouk|kork)",
    "(not|never) (let|allowed|allow) (me|him|her|them|us)? ?(to )?(get off|leave) the boat",
    *(
        f"{who}{verb}លិខិតឆ្លងដែន"
        for who in ("ក្រុមហ៊ុន", "ថៅកែ", "ម្ចាស់ផ្ទះ", "មេការ", "ឈ្មួញ", "ភ្នាក់ងារ", "គេ")
        for verb in ("រក្សា", "ទុក", "កាន់", "ដក", "រឹបអូស")
    ),
    "ដកលិខិតឆ្លងដែន",
    "ដកpassport",
    "យកpassport",
    "(company|boss|employer|agency|agent|broker|owner|they|he|she) (keeps|kept|holds|held|took|takes) (my|our|his|her|their|the|all) (passport|passports|id|ids|documents|papers)",
    # not let go home or leave until a debt is repaid
    # (not "if I quit before the contract ends I must pay back a month": a question on a contract)
    "(go home|go back home|leave).{0,50}(must|have to|has to|need to) (repay|pay back|pay off|pay)[^.?!]{0,30}first",
    "(tov|trolob|trolop|tralob) (phteah|pteah|pteh|srok).{0,40}(trov|tro) (sang|song)",
    "សងសិនទើបអាចចេញ",
    "សងសិនទើបឲ្យចេញ",
    "សងសិនទើបអាចទៅ",
    "សងសិនទើបឲ្យទៅ",
    "ចេញក្រៅក៏ត្រូវសុំ",
    "ចេញក្រៅត្រូវសុំ",
    "ហាមប្តូរការងារ",
    "មិនឲ្យប្តូរការងារ",
    "(chenh|chen) (krau|krav|kraw|krao) (kor |ko )?(trov |tro )?(som|sum)",
    "(need|needs|must ask|must get|have to ask|has to ask|have to get) (for )?permission to (go out|leave|go outside)",
    "(ham|min oy|ot oy|min aoy|ot aoy) (pdor|pdo|bdo|bdor|phdo|phdor) (kar ngar|karngar|kanngar|ka ngea)",
    "(not allowed|forbidden|cannot|can't|not let) (me|him|her|them|us)? ?(to )?change (job|jobs|employer|employers|company)",
)
_ABROAD = (
    "ថៃ",
    "ម៉ាឡេស៊ី",
    "កូរ៉េ",
    "អារ៉ាប៊ី",
    "បាងកក",
    "មេខ្យល់",
    "thai",
    "malaysia",
    "korea",
    "saudi",
    "bangkok",
    "mekhchol",
    "broker*",
    "agent",
    "agency",
    "abroad",
    "thailand",
    "ជប៉ុន",
    "ចិន",
    "តៃវ៉ាន់",
    "ឌូបៃ",
    "សិង្ហបុរី",
    "japan",
    "china",
    "chin",
    "taiwan",
    "dubai",
    "singapore",
)
# Someone who comes to sleep with a person and demands silence: abuse kept secret.
_TO_BED = (
    "ដេកជាមួយ",
    "ចូលគ្រែ",
    "ចូលមកដេក",
    "dek jea muoy",
    "deik jea muy",
    "chol mok dek",
    "chol krae",
    "sleep with",
    "sleeps with",
    "slept with",
    "into (her|my|his|our) bed",
    "in (her|my|his) bed",
    "comes to (her|my|his) bed",
)
_SILENCE = (
    "កុំប្រាប់",
    "សម្ងាត់",
    "kom prab",
    "kom brab",
    "kom oy prab",
    "kom aoy prab",
    "samngat",
    "dont tell",
    "don't tell",
    "do not tell",
    "not to tell",
    "tell no one",
    "tell nobody",
    "keep it secret",
    "our secret",
    "a secret",
)
# A job offer with the marks of deception ("no visa needed, come alone, don't tell your family").
_JOB = ("ការងារ", "ធ្វើការ", "kar ngar", "tver kar", "job*", "work*", "salary")
_DECEPTION = (
    "កុំប្រាប់",
    "មិនបាច់ទិដ្ឋាការ",
    "គ្មានទិដ្ឋាការ",
    "ចេញថ្លៃលិខិតឆ្លងដែន",
    "kom prab",
    "kom brab",
    "ot bach visa",
    "ot trov visa",
    "no visa",
    "without visa",
    "without a visa",
    "dont tell",
    "don't tell",
    "do not tell",
    "tell nobody",
    "tell no one",
    "we pay the passport",
    "pay for your passport",
    "pay the passport",
    "free ticket",
    "free passport",
    "pay later",
    "no fee",
    "come alone",
)
_NO_CONTACT = (
    "បាត់ដំណឹង",
    "ទាក់ទងមិនបាន",
    "ទូរស័ព្ទមិនចូល",
    "លែងលើកទូរស័ព្ទ",
    "មិនបានឮសំឡេង",
    # a phone switched off, never "closed" alone (a shop, a road, a border is closed too)
    "ទូរស័ព្ទបិទ",
    "បិទទូរស័ព្ទ",
    "បិទលេខ",
    "គ្មាននរណាឆ្លើយ",
    "bat domnoeng",
    "ot ach tak tong",
    "tel ot chol",
    "ot leuk tel",
    "ot leu somleng",
    "ot mean neak chleuy",
    "heard nothing",
    "not heard",
    "no news",
    "does not ring",
    "doesn't ring",
    "stopped answering",
    "does not answer",
    "nobody answers",
    "no one answers",
    "(phone|tel|telephone|number) (is |was )?closed",
    "no contact",
    # a phone switched off ("tel gnang bit", "bit tel"); never a bare "bit" or "bet" ("a bit worried")
    "(phone|tel|telephone|tursap|toursap|turosap) ([a-z]+ )?(bit|bet)",
    "(bit|bet) (phone|tel|telephone|tursap|toursap|turosap)",
    "(phone|tel|telephone) (is |was )?(off|dead)",
    "switched off",
    "turned off",
    "ot mean somleng",
    # seventh round: whereabouts unknown, the family still looking ("never knew where he is")
    "រកមិនឃើញ",
    "(rok|rook|rork) (ot|min|mun) (khernh|kheunh|kheung|khoeunh|kernh)",
    "(never|not|dont|don't|do not|didnt|didn't|did not|still dont|still don't|nobody|no one) (knew|know|knows|found out) where (he|she|they|him|her|them|my [a-z]+) (is|are|was|were|went|is held|is kept)",
    "whereabouts",
    "still (looking|searching) for (him|her|them)",
    "(family|we|they) (is |are )?still (looking|searching)",
)
_FEAR = ("ខ្លាច", "មិនហ៊ាន", "klach", "afraid", "scared", "fear*", "terrified")
_HOME = ("ត្រឡប់ទៅផ្ទះ", "ដេក", "trolob phteah", "dek", "go home", "sleep", "going home")
# Sexual coercion told without the words: someone who holds a document, a job, the rent or a fine
# asks for private time in return ("come to his house alone in the evening", "keep him company").
_PRIVATE_FAVOUR = (
    # a guesthouse only as a place to go with someone ("I run a guesthouse" is no favour)
    "ទៅផ្ទះសំណាក់",
    "ជួបគាត់នៅផ្ទះសំណាក់",
    "ផ្ទះសំណាក់ម្នាក់ឯង",
    "បន្ទប់គាត់",
    "ផ្ទះគាត់ម្នាក់ឯង",
    "ចំណាយពេលជាមួយគាត់",
    "នៅលេងជាមួយគាត់",
    "ដេកជាមួយគាត់",
    "ដេកជាមួយ",
    "ទៅជាមួយគាត់",
    "tov pteh somnak",
    "tov phteah somnak",
    "jub kat nov pteh somnak",
    "bontob kat",
    "pteh kat mnak eng",
    "phteah kat mneak eng",
    "leng jea kat",
    "leng jea muoy kat",
    "(dek|deik|deyk|dake) (jea|chea|ja|cha) ?(muoy|muy|mouy|moy)? (kat|gat|keat)",
    "chomnay pel jea muoy kat",
    "tov jea muoy kat",
    "(go|come|goes|went|take*|took) (with him )?to (a|the|his) (guesthouse|guest house|motel)",
    "meet (him|me|her) at (a|the) (guesthouse|guest house|motel)",
    "hotel room",
    "his room",
    "his rented room",
    "his bed",
    "his house alone",
    "his home alone",
    "alone with him",
    "keep him company",
    "spend time with him",
    "spend the night",
    "spend a night",
    "sleep with him",
    "go with him",
    "be his girlfriend",
    "be nice to him",
)
_IN_RETURN = (
    "បើ",
    "លុះត្រា",
    "ទើប",
    "មុននឹង",
    "ថ្លៃផ្ទះ",
    "ឯកសារ",
    "សំបុត្រ",
    "ប័ណ្ណ",
    "ការងារ",
    "ber",
    "bae",
    "beu",
    "lus trae",
    "luh trea",
    "mun nung",
    "thlai pteh",
    "ekasa",
    "sombot",
    "if",
    "unless",
    "only if",
    "or i lose",
    "or she loses",
    "faster",
    "rent*",
    "document*",
    "papers",
    "card",
    "certificate",
    "fine",
    "job",
    "approv*",
    "sign",
)
# An old, ill or disabled person kept without care (the _NO_CARE of a child, for an elder).
_ELDER = (
    "ចាស់ជរា",
    "មនុស្សចាស់",
    "តាខ្ញុំ",
    "យាយខ្ញុំ",
    "ជីដូន",
    "ជីតា",
    "ឪពុកចាស់",
    "ម្តាយចាស់",
    "ពិការ",
    "វង្វេង",
    "ភ្លេចភ្លាំង",
    "chas jorea",
    "mnus chas",
    "ta knhom",
    "yeay knhom",
    "yay knhom",
    "ta chas",
    "yeay chas",
    "chidaun",
    "chida",
    "pikar",
    "vongveng",
    "phlech phlech",
    "old man",
    "old woman",
    "old lady",
    "old father",
    "old mother",
    "elderly",
    "grandmother",
    "grandfather",
    "grandma",
    "grandpa",
    "dementia",
    "disabled",
    "disability",
    "bedridden",
    "paralysed",
    "paralyzed",
    "blind",
    "wheelchair",
    "តាយាយ",
    "តាចាស់",
    "យាយចាស់",
    "ឪពុកម្តាយចាស់",
    "ta yeay",
    "ta yay",
    "old couple",
    "elderly couple",
    "elderly parent*",
    "aged parent*",
    "old parents",
    "[6-9][0-9] (chnam|chhnam|years old|year old|year-old)",
    # ninth round: a person of a stated old age ("my mother, 74", "a widow (82)", "yeay ayu 80")
    "(mother|mom|mum|father|dad|widow|widower|grandmother|grandfather|man|woman|aunt|uncle|yeay|yay|ta|mday|ov),? (aged |age |ayu |ayuk )?[6-9][0-9]",
    "(widow|widower|woman|man) \\(?[6-9][0-9]",
)
_ELDER_NEGLECT = (
    "ក្រោល",
    "ក្រោមផ្ទះ",
    "គ្មានបាយ",
    "ឃ្លាន",
    "ញ៉ាំតែ",
    "មិនឲ្យញ៉ាំ",
    "គ្មានថ្នាំ",
    "ចាក់សោ",
    "ចំណីសត្វ",
    "krol",
    "krom pteh",
    "kraom phteah",
    "ot mean bay",
    "klean",
    "ot oy nham",
    "chak sao",
    "pig pen",
    "pigpen",
    "cattle pen",
    "cow shed",
    "animal pen",
    "under the house",
    "no food",
    "without food",
    "one meal",
    "leftovers",
    "hungry",
    "starv*",
    "chained",
    "tied up",
    "no medicine",
    "sleeps outside",
    "bedsore*",
    "nobody feeds",
    "no one feeds",
    "left alone",
    # abandoned by the children, left at a pagoda or a gate
    "បោះបង់",
    "ទុកចោល",
    "គ្មានអ្នកមើលថែ",
    "(bos|boh) (bong|bang)",
    "tuk chol",
    "kmean thnam",
    "kmean neak mearl thae",
    "abandon*",
    "dumped",
    "nobody (cares for|looks after|takes care)",
    "no one (cares for|looks after|takes care)",
    "left (him|her|them) at",
)
# Debt bondage: work that may not stop until a debt is paid.
_UNTIL_PAID = (
    "លុះត្រាសង",
    "រហូតសងអស់",
    "ដល់សងរួច",
    "lus trae sang",
    "luh trea sang",
    "rohot sang os",
    "until the debt",
    "until we pay",
    "until he pays",
    "until she pays",
    "until they pay",
    "until it is paid",
    "until paid",
    "until we have paid",
    "work off",
    "working off",
)
_WORK = (
    "ធ្វើការ",
    "ឡឥដ្ឋ",
    "កសិដ្ឋាន",
    "ទូក",
    "tver kar",
    "twer ka",
    "lo eth",
    "lo et",
    "work*",
    "kiln",
    "brick*",
    "boat",
    "farm",
    "plantation",
    "factory",
)

# A hint that a house may burn or be damaged, tied to a debt or a deadline ("your house is old and
# catches fire easily if you do not pay by tomorrow"): a threat to the home told as a warning.
_HOUSE_HARM = (
    "ងាយឆេះ",
    "អាចឆេះ",
    "ឆេះផ្ទះ",
    "ដុតផ្ទះ",
    "ភ្លើងឆេះ",
    "ngay cheh",
    "ngeay cheh",
    "ach cheh",
    "cheh pteah",
    "cheh phteah",
    "cheh pleung",
    "cheh phleung",
    "pleung cheh",
    "phleung cheh",
    "catch* fire",
    "caught fire",
    "burn down",
    "burns down",
    "could burn",
    "might burn",
    "may burn",
    "go up in flames",
    "goes up in flames",
    "(house|home|roof|shop|stall) (is|looks) (old|weak)",
    "(if|when) (our|my|your|his|her|the) (house|shop|home|stall|roof) (burn*|caught fire|catches fire)",
    "pteah chas",
    "phteah chas",
    "ផ្ទះចាស់",
)
_DEBT_OR_DEADLINE = _LENDER + (
    "ការប្រាក់",
    "បើមិនសង",
    "បើមិនបង់",
    "kar prak",
    "karprak",
    "(bae|ber|beu|baer) ([a-z]+ ){0,3}(ot|min|mun) (sang|bong)",
    "if (we|i|you|they) (do not|dont|don't|cannot|cant|can't) pay",
    "if (it is|its|it's) not paid",
    "not paid by",
    "deadline",
    "by tomorrow",
)
# Voyeurism: a camera or filming where a person undresses, or filming someone in secret.
_CAMERA = (
    "កាមេរ៉ា",
    "ថតវីដេអូ",
    "ថតរូប",
    "camera*",
    "kamera",
    "cam",
    "webcam",
    "film* (me|her|us|them|my)",
    "record* (me|her|us|them|my)",
    "filmed",
    "recorded",
    # seventeenth round: pictures taken of women or girls ("takes pictures of women in the factory
    # toilet and sells them online": with a private place, voyeurism)
    "(take|takes|took|taking|taken|secretly take*) (pictures|picture|photos|photo|pics|videos|video|clips)",
    "(pictures|photos|pics|videos|clips) of (women|girls|female workers|the women|the girls|her|me|us)",
    "(thort|thot|tot) (video|rup|vdo)",
    "lens",
    "peep*",
    "hole* in the (wall|door|ceiling)",
)
_PRIVATE_PLACE = (
    "បន្ទប់ទឹក",
    "ងូតទឹក",
    "បន្ទប់គេង",
    "បន្ទប់ដូរសំលៀកបំពាក់",
    "លាក់",
    "សម្ងាត់",
    "bantob tek",
    "bontob tek",
    "bantop tek",
    "bantob tik",
    "bontob tik",
    "bantob dek",
    "bontob dek",
    "gnout tek",
    "ngout tek",
    "bathroom",
    "toilet",
    "shower*",
    "changing room",
    "bedroom",
    "hidden",
    "secret*",
    "without (my|her|his|our) (knowing|knowledge|consent)",
    "(lak|leak) (tuk|touk)?",
)
# Retaliation against someone who reported or testified: a warning after a report.
_REPORTED = (
    "រាយការណ៍",
    "ប្តឹង",
    "សាក្សី",
    "ធ្វើជាសាក្សី",
    "ផ្តល់ព័ត៌មាន",
    "reayka",
    "reaykar",
    "rai kar",
    "bdeng",
    "ptoeng",
    "pdeng",
    "saksei",
    "saksey",
    "reported",
    "report*",
    "witness*",
    "testif*",
    "complained",
    "told the (police|commune|village chief|commune chief|chief|authorit*|ngo|inspector|court|fisheries|ministry)",
    "gave (my|a) statement",
    "informed",
    "whistle*",
    # seventh round: a story written or published, a complaint one is pressed to withdraw
    "សរសេររឿង",
    "ចុះផ្សាយ",
    "ដកពាក្យបណ្តឹង",
    "ពាក្យបណ្តឹង",
    "(sarse|sorse|sase|sosse) (rueng|reuong|rerng|roeung|atbot|ath bot)",
    "(peak )?(bandeng|bondeng|bandoeng|bontoeng|bondoeng)",
    "(dork|dok|doak) (peak|pak) (bandeng|bondeng|bdeng|pdeng|ptoeng)",
    "(wrote|written|writing|published|posted) (a |an |the |my )?(story|article|report|post)",
    "(wrote|written|writing|published|posted) about",
    "(withdraw|drop|take back) (the|my|our|her|his) (complaint|case|report|petition)",
    # eighth round: a witness before an interview, a hearing or a testimony
    "សក្ខីកម្ម",
    "ផ្តល់ចម្លើយ",
    "(sakkhikam|saksekam|sakseikam|saksei kam)",
    "(police|court) (interview|hearing|statement|questioning)",
    "(give|giving|gave|to give) (evidence|testimony|a statement)",
    "testimony",
    "(i|we) (saw|seen|witnessed) what happened",
)
_WARNING = (
    "ប្រយ័ត្ន",
    "គិតឲ្យល្អ",
    "គួរគិត",
    "ព្រមាន",
    "បាត់ខ្លួន",
    "និយាយតិច",
    "មាត់ច្រើន",
    "prayat*",
    "brayat*",
    "kit oy laor",
    "kit aoy laor",
    "kit oy bos",
    "prom mean",
    "bat khluon",
    "niyeay tech",
    "moat chraen",
    "be careful",
    "careful at",
    "careful on",
    "warn*",
    "disappear*",
    "for (your|my|his|her) (health|safety|own good)",
    "move far away",
    "(people|those) who talk",
    "talk less",
    "keep quiet",
    "shut (up|your mouth)",
    "think (carefully|twice|again)",
    "(have|has|had|get|gets|meet|meets) (an )?accident*",
    "accidents happen",
    "open (their|your|his|her|my) mouth*",
    "(do not|dont|don't|never) come back",
    "មានរឿង",
    "mean reuoeng",
    "niyeay chraen",
    *_CHILDREN_WARNING,
    # eighth round: "remember you have three children", "think of your wife and children first"
    "គិតពីកូន",
    "គិតពីគ្រួសារ",
    "គិតពីប្រពន្ធ",
    "គិតដល់កូន",
    "គិតដល់គ្រួសារ",
    "(kit|kut) (pi|ku|dol|del) (kon|koun|kruosar|krousar|kruosa|propon|prapon)",
    "remember (i|you|he|she|we|they) (have|has) ([a-z0-9]+ )?(child|children|kids|family|wife|husband|daughter|daughters|son|sons)",
    "think (about|of) (your|his|her|their) (child|children|kids|family|wife|husband|daughter|son)",
)

# Someone taken away (into a car, by men) with contact cut since: an abduction.
_TAKEN_AWAY = (
    "ចាប់យកទៅ",
    "ចាប់ដាក់ឡាន",
    "យកឡើងឡាន",
    "រុញឡើងឡាន",
    "អូសឡើង",
    "(yok|chab|chap|runh|rounh) .{0,20}(laeng|leung|lerng|loeng) (lan|lann|moto)",
    "(chab|chap) yok tov",
    "taken away",
    "took (her|him|them|my \\w+) away",
    "(pushed|dragged|forced|pulled|bundled) (her|him|them|my \\w+)? ?into (a|an|the|their) (car|van|truck)",
    "abduct*",
    "kidnap*",
    # seventh round: taken by men (in plain clothes), whereabouts unknown since
    "ស្លៀកពាក់ស៊ីវិល",
    "(slek|sliek|sleik|slaek) (peak|pheak|pak) (civil|sivil|seville|civilian)",
    "taken by (men|police|soldiers|strangers|unknown|people|[a-z]+ men)",
    "(men|police|soldiers|officers|people) in (plain|civilian) cloth*",
    "plain-? ?clothes",
)
# A hint of death aimed at someone: "prepare a funeral", a coffin or a wreath with a name.
_DEATH_HINT = (
    "ធ្វើបុណ្យ",
    "បុណ្យខ្មោច",
    "មឈូស",
    "កម្រងផ្កា",
    "ធូប",
    "(twer|tver|tvea|thver|twe) bon",
    "bon khmoch",
    "(mchhous|mchhus|mochhous|mchous)",
    "kamrong phka",
    "funeral*",
    "coffin*",
    "wreath*",
    "incense",
)
_AIMED = (
    "ឯងត្រៀម",
    "ត្រៀមធ្វើបុណ្យទៅ",
    "ត្រៀមមឈូស",
    "ឈ្មោះខ្ញុំ",
    "ឈ្មោះគាត់",
    "ឈ្មោះឯង",
    "មុខរបង",
    "មុខផ្ទះ",
    "មុខទ្វារ",
    "គ្រួសារឯង",
    "(aeng|haeng|ek|aen) (triem|treum|triam)",
    "(triem|treum|triam) .{0,12}(bon|mchous|mchus|mochous) (tov|toeu|tiv)",
    "(chhmous|chmous|chhmuos) (knhom|gnang|gat|veang|ek|aeng)",
    "mat (rubang|robang|phteah|pteah|tvea)",
    "prepare (a|the|your|his|her|their|for a|for the|for your|for his|for her) (funeral|coffin)",
    "get (a|the|your) (funeral|coffin) ready",
    "better (prepare|get ready)",
    "(my|her|his|your|our) name",
    "(at|on|by) (my|our|her|his|the) (gate|door|doorstep|fence)",
    "for you",
    "for your family",
)

# A child given away to someone for money ("yok tov oy ke jea kon chenchem, ke oy luy mday"): a child sold
# told without the word "sell".
_GIVE_AWAY = (
    "កូនចិញ្ចឹម",
    "ឲ្យគេយក",
    "ឲ្យគេចិញ្ចឹម",
    "ប្រគល់ឲ្យគេ",
    "ប្រគល់កូន",
    "(brokol|bro kol|prokol) (kon|koun)",
    "hand(s|ed|ing)? (over )?(her|his|their|the|a) ([a-z0-9-]+ ){0,3}(baby|child|girl|boy|son|daughter)",
    "(kon|koun) (chenchem|chinchem|chenhchem|chinhchem|chunchem)",
    "(oy|aoy|ouy) (ke|kee|neak) (yok|chenchem|chinchem)",
    "(yok|nam) (tov|tiv) (oy|aoy|ouy|loh oy|lok oy) (ke|kee|neak)",
    "(give|gives|giving|gave) (her|him|them) away",
    "(give|gives|giving|gave) (her|his|their|the|my|a) ([a-z0-9-]+ ){0,3}(baby|child|girl|boy|son|daughter|kid) away",
    "to be (his|her|their) (adopted|foster) (child|daughter|son)",
    "adopt (her|him|the (baby|child|girl|boy))",
)
_BABY = ("កូនង៉ែត", "ទារក", "baby", "babies", "newborn", "infant", "(kon|koun) (ngaet|nget|ngat|ngoeut|ngeut|ngoet)")
# A child or a baby taken and not brought back ("ke yok kon ngoeut knhom ... ot mok vinh", "the helper
# took my newborn from the hospital and never came back"): a child at risk, urgent.
_TAKE_CHILD = (
    "យកកូន",
    "យកទារក",
    "ចាប់យកកូន",
    "ពរកូន",
    "(yok|chab|chap|por) (kon|koun|kmeng|khmeng|tarak)",
    "(took|taken|take|takes|snatched|carried|carry|carries) (away )?(my|our|her|his|their|the|a) ([a-z0-9-]+ ){0,2}(newborn|baby|infant|child|son|daughter|kid|girl|boy)",
)
_NOT_BACK = (
    "មិនយកមកវិញ",
    "មិនមកវិញ",
    "មិនប្រគល់មកវិញ",
    "មិនប្រគល់វិញ",
    "មិនឲ្យមកវិញ",
    "(ot|min|mun) (yok |nam |bonh choun |bonhchoun |brokol )?(mok|moak) (vinh|venh|vinj|veng)",
    "(not|never|hasnt|has not|didnt|did not|havent|have not|wont|won't|will not|refuses to) (yet )?(bring|brought|come|came|return|returned|give|given|gave) ([a-z]+ ){0,3}back",
    "(not|never) (seen|heard from) (her|him|them|the baby|my baby) (again|since)",
)
_PAID_FOR = (
    "ឲ្យលុយម្តាយ",
    "ឲ្យលុយឪពុក",
    "ឲ្យលុយគ្រួសារ",
    "ឲ្យលុយម្តាយគេ",
    "(oy|aoy|ouy) (luy|loy|prak) (mday|mdai|m'day|ov|ovpuk|ovpok|pa|mae|me|kruosar|krousar)",
    "(paid|pay|pays|give|gives|gave) (her|his|the|their) (mother|father|parents|family) (money|[0-9]+)",
    "in exchange for (money|[0-9]+)",
    "យកលុយ",
    "(yok|ban|ttuol) (luy|loy|prak) [0-9]+",
    "for [0-9]+ (dollars|usd)",
)

# A veiled death threat: "you will not see tomorrow", "we will not see another sunrise".
_NO_TOMORROW = (
    "លែងឃើញថ្ងៃ",
    "មិនបានឃើញថ្ងៃ",
    "មិនឃើញថ្ងៃស្អែក",
    "មិនឃើញថ្ងៃរះ",
    "លែងបានឃើញព្រះអាទិត្យ",
    "(ot|min|mun|leng|lerng|laeng) (ban )?(kheunh|khernh|kheung|khoeunh|kernh|keunh) (thngai|tngai|thgnai|tgnai) (reah|rea|ras|reas|saek|skaek|sa'ek|thmey|tmey|teat|tiet)",
    "(ot|min|mun|leng|lerng|laeng) (ban )?(kheunh|khernh|kheung|khoeunh|kernh|keunh) (preah atit|pre atit)",
    "(wont|won't|will not|would not|wouldn't|never) (live to )?see (tomorrow|another day|the next day|the (sun|sunrise|morning|new year)|next (week|month|year))",
    "(see|seeing) (the )?(sun ?rise|sunrise|morning) again",
    # "say goodbye to each other" (while you can)
    "និយាយលាគ្នា",
    "(triem|treum|triam|niyeay) (lea|lia) (knea|kna|knear)",
    "say (your )?goodbye(s)? to (each other|your (family|wife|husband|children|kids|mother|father))",
)
# Stalking by a former partner: fake accounts, following, turning up where the writer works.
_EX_PARTNER = (
    "អតីតសង្សារ",
    "សង្សារចាស់",
    "អតីតប្តី",
    "ប្តីចាស់",
    "អតីតប្រពន្ធ",
    "ex",
    "ex-? ?(boyfriend|girlfriend|husband|wife|partner|bf|gf)",
    "former (boyfriend|girlfriend|husband|wife|partner)",
    "(songsa|sangsa|sangsar|songsar|sangsa) (chas|chaas|jas)",
    "(pdei|pdey|pdy|bdei|bdey|pdai) (chas|chaas|jas)",
    "(propon|prapon|propun) (chas|chaas|jas)",
)
_STALKING = (
    "គណនីក្លែងក្លាយ",
    "អាខោនក្លែង",
    "ហ្វេកអាខោន",
    "ដើរតាមខ្ញុំ",
    "តាមដានខ្ញុំ",
    "ដឹងកន្លែងខ្ញុំ",
    "ចាំខ្ញុំនៅមុខ",
    "fake (account*|profile*|facebook|fb|page*)",
    "(follows|followed|following|stalks|stalked|stalking|tracks|tracked|tracking) (me|my)",
    "(waits|waited|waiting) (for me )?(outside|at|near) (my|the) (house|home|work|office|school|room|factory)",
    "(turns|turned|shows|showed) up at (my|our) (work|house|home|office|school|factory|room)",
    "(knows|found out|finds out|find out) where (i|we) (work|live|stay|study|sleep)",
    "(bangkeut|bongkeut|bangkaet|bongkaet|bangkoet|bongkoet) (fake|account|facebook|fb|page)",
    "(deng|dung|doeng) (kanleng|konleng|kon leng|kan leng) (knhom|khnhom|knom|khnom)",
    "(deur|daer|der|dae) tam (knhom|khnhom|knom|khnom)",
    "(tam dan|tamdan|taam dan) (knhom|khnhom|knom|khnom)",
)

# Stalking by anyone, told as going on for long: someone who knows what the writer wears or where
# they go, and has kept at it for months or through blocked accounts (no former partner named).
_WATCHED = (
    "ដឹងថាខ្ញុំស្លៀក",
    "ដឹងខ្ញុំស្លៀក",
    "ដឹងថាខ្ញុំទៅណា",
    "ដឹងខ្ញុំទៅណា",
    "ដឹងថាខ្ញុំនៅណា",
    "ដឹងគ្រប់កន្លែងខ្ញុំ",
    "តាមដានខ្ញុំ",
    "ដើរតាមខ្ញុំ",
    "knows? (what|where|when) (i|we) (wear|wore|eat|ate|go|went|am|are|sleep|work|live|study|sit|shop|walk)",
    "knows? (my|our) (every )?(move|moves|movements|routine|schedule|clothes)",
    "(watching|watches|follows|followed|following|stalks|stalking|tracks|tracking) (me|us)",
    "(ao|av|aw) (del|dael|dail) (knhom|khnhom|knom|khnom) (sliek|slek|sleik|slaek)",
    "(deng|dung|doeng) (tha |thaa )?(knhom|khnhom|knom|khnom) (tov|tiv|nov) (na|nar)",
    "(deur|daer|der|dae) tam (knhom|khnhom|knom|khnom)",
    "(tam dan|tamdan|taam dan) (knhom|khnhom|knom|khnom)",
)
_PERSISTENT = (
    "រាល់ថ្ងៃ",
    "រាល់យប់",
    "ច្រើនខែ",
    "ជាច្រើនខែ",
    "អាខោនថ្មី",
    "គណនីថ្មី",
    "(roal|rol|ral|reaul) (thngai|tngai|yub|yb|yob|pel)",
    "(chraen|chroen|chran|chreun) (khe|khae)",
    "for ([0-9]+|two|three|four|five|six|several|many) (weeks|months|years)",
    "(every|each) (day|night|evening|morning)",
    "keeps? (making|creating|messaging|texting|calling|sending|following|coming)",
    "(new|different|more|many) accounts",
    "blocked ([0-9]+ |many |all |his |the |several )?(accounts|numbers|profiles)",
    "again and again",
)

# --- ninth round: reports about a concrete person, whoever writes them ---------------------------
# A specific person the writer reports on (not "a child" in a question about the law): a named
# relationship, a person of a stated age, "our client", "a girl in my class", "a man in our village".
_CONCRETE = (
    "ម្នាក់",
    "អតិថិជនយើង",
    "កូនក្តី",
    "នៅភូមិខ្ញុំ",
    "នៅភូមិយើង",
    "ក្នុងភូមិ",
    "ម្តាយខ្ញុំ",
    "ឪពុកខ្ញុំ",
    "ម្តាយមីងខ្ញុំ",
    "មីងខ្ញុំ",
    "បងស្រីខ្ញុំ",
    "ប្អូនស្រីខ្ញុំ",
    "បងប្រុសខ្ញុំ",
    "ប្អូនប្រុសខ្ញុំ",
    "ជីដូនខ្ញុំ",
    "ជីតាខ្ញុំ",
    "យាយខ្ញុំ",
    "តាខ្ញុំ",
    "កូនស្រីខ្ញុំ",
    "កូនប្រុសខ្ញុំ",
    "ក្មួយស្រីខ្ញុំ",
    "ក្មួយប្រុសខ្ញុំ",
    "(mnak|mneak|mnaek)",
    "(kon kdey|koun kdei|kon kdei)",
    "(phum|phoum|pum) (knhom|khnhom|knom|khnom|yeung|yerng|yoeng)",
    "(mday|mdai|mdaiy|m'day|madai|ov|ovpuk|ov puk|ming|bong srey|bong srei|bongsrey|paoun srey|p'oun srey|pa'on srey|poun srey|bong pros|paoun pros|p'oun pros|yeay|yay|ta|kon srey|kon pros|koun srey|koun pros|kmouy srey|kmouy pros|kmuoy) (knhom|khnhom|knom|khnom)",
    "(our|a|my|the) (client|clients|beneficiary|member|parishioner|student|pupil)",
    "one of (my|our) (students|pupils|clients|members|workers|beneficiaries|parishioners)",
    "(a|the|one) (girl|boy|child|student|pupil) (in|from) (my|our) (class|school|village|commune|pagoda|community)",
    "(a|one|an) (young |little |teenage |old |elderly |disabled |deaf |blind )?(girl|boy|child|woman|man|widow|widower|teen|teenager|monk|worker|activist|villager|mother|father|grandmother|grandfather) (from|in|of|at|living|who|whose|aged|named|called) ",
    "(a|one|an) (young |little |teenage |old |elderly )?(girl|boy|child|woman|man|widow|teen|teenager|monk|worker|activist|villager) (aged |of )?[0-9]+",
    "(aged|age) [0-9]+",
    "(he|she) is (only |just )?[0-9]+",
    "my (aunt|uncle|cousin|niece|nephew|sister|brother|mother|mom|mum|mama|father|dad|papa|grandmother|grandma|granny|grandfather|grandpa|daughter|son|friend|neighbour|neighbor|sister-in-law|brother-in-law|mother-in-law|father-in-law|stepdaughter|stepson|client|student|pupil|colleague|wife|husband)",
    "our (neighbour|neighbor|neighbours|neighbors|client|student|pupil|member|colleague|aunt|uncle|cousin|mother|father|grandmother|grandfather|daughter|son|sister|brother)",
    "(in|from) (our|my) (village|commune|community|street|pagoda)",
)
# Being followed or tracked by others: the writer tells it of someone else ("a client is followed
# home", "men came asking which room he sleeps in"); "followed me" is `_STALKING`.
_FOLLOWED = (
    "តាមដាន",
    "ដើរតាម",
    "ជិះតាម",
    "មនុស្សមិនស្គាល់",
    "បុរសមិនស្គាល់",
    "ជនមិនស្គាល់មុខ",
    "(tam dan|tamdan|taam dan|tam darn)",
    "(deur|daer|der|dae|chis|chih|jis|jih) tam",
    "(mnus|monus|bros|boros|pros) (min|mun|ot) (skal|sko al|skoal|skorl)",
    "(is|was|are|were|being|been|get|gets|got|getting) (followed|tracked|watched|monitored|photographed)",
    "(follow|follows|followed|following|track|tracks|tracked|tracking|watch|watches|watching|photograph|photographs|photographing) (him|her|them|his|her|their) ",
    "followed (home|him|her|them)",
    "unknown (men|man|people|persons|individuals)",
    "(men|man|people) (not in|without|in plain) (uniform|clothes)",
    "plain ?clothes",
    "(strange|unfamiliar) (men|man|people|car|cars|vehicle|motorbike|motorbikes)",
    "asking (which|where|what time|when) (he|she|they)",
)
# Intimidation around a land case or advocacy: told to stop, to withdraw, to keep away from an NGO.
_ADVOCACY = _LAND + (
    "តវ៉ា",
    "សហជីព",
    "សកម្មជន",
    "ពាក្យបណ្តឹង",
    "អង្គការ",
    "(tava|tor va|torva|ta va)",
    "(sahachip|sahacheep|sahak chip)",
    "(sakammachon|sakamachun|sakamachon)",
    "(peak bandoeng|peak bondoeng|peak bonderng|peak bandeng)",
    "advoca*",
    "activis*",
    "campaign*",
    "protest*",
    "union",
    "unions",
    "ngo",
    "ngos",
    "complaint*",
    "petition*",
    "land case",
    "land dispute",
    "relocation",
    "eviction",
)
_INTIMIDATE = (
    "បំភិតបំភ័យ",
    "ហាមនិយាយ",
    "កុំនិយាយ",
    "ឈប់តវ៉ា",
    "ដកពាក្យបណ្តឹង",
    "ហាមទៅ",
    "(bombet bombay|bampheut bampheay|bomphet bomphey)",
    "(ham|kom|kum) (niyeay|niyay|nyiey)",
    "(chhob|chob|chhub|chup) (tava|tor va|torva)",
    "(dok|dak) (peak bandoeng|peak bondoeng|peak bonderng|peak bandeng)",
    "intimidat*",
    "harass*",
    "pressur*",
    "(stop|stops|stopped|quit|drop|drops|withdraw|withdraws) (the |their |his |her |our |your )?(advoca*|campaign*|complain*|complaint*|case|petition*|protest*|speaking|talking|organising|organizing)",
    "(must|should|to) (not|never) (talk|speak|go|complain|meet) (to|with|about)",
    "(not|never) (to )?(talk|speak) (to|with) the (ngo|ngos|union|media|journalist*|press)",
    "or else",
    "(file|files|filed|name|names|named) (is |was )?(on|in) (a|the) list",
    "(get|gets|got|go|goes) (lost|missing|cancel*)",
    "lose (his|her|their|the|your|our) (job|jobs|poor card|equity card|land)",
)
# Money or property of an old, sick or disabled person taken by the people meant to care for them.
_MONEY_TAKEN = (
    "យកប្រាក់សោធន",
    "យកលុយសោធន",
    "យកប្រាក់និវត្តន៍",
    "យកលុយគាត់",
    "យកប្លង់ដីគាត់",
    "(yk|yok|yuk) (luy|loy|prak) (sothon|sotun|nivoat|nivot|kat)",
    "(takes|took|take|taking|taken|keeps|kept|keep|uses|used|spends|spent|collects|collected) (all )?(his|her|their|the old|grandma's|grandpa's) (pension|pensions|savings|allowance|social allowance|money|land title|land titles|land documents|documents|salary|benefits|rice field|land)",
    "(pension|allowance|savings) (is |was )?(taken|kept|collected|spent) by",
    "(sleeps?|slept|sleeping) on the floor",
    "(eats?|ate|eating) (only )?once a day",
    "nothing to eat",
    "(has not|hasn't|has not) eaten",
)
# A person with a mental illness or a disability kept chained, tied or shut away.
_MENTAL_OR_DISABLED = (
    "ជំងឺផ្លូវចិត្ត",
    "វិកលចរិត",
    "ឆ្កួត",
    "ពិការ",
    "ថ្លង់",
    "(chumngeu|chumngu|jomngeu) (plov|phlov|phlouv) (chet|chit|jit)",
    "(vikal|vikol|vekal) (charit|chorit|jarit)",
    "(chkuot|chhkuot|chkourt|chkout|chhkout)",
    "(pikar|pika|pikear)",
    "mental*",
    "psychiatric",
    "psychosis",
    "schizophren*",
    "disabilit*",
    "disabled",
    "deaf",
    "mute",
    "dementia",
    "autis*",
)
# Round 19: a disabled person kept at work for food alone ("a deaf young man works for the rice mill
# owner 3 years only for food ... never paid", set 20's missed victim).
_UNPAID_WORK = (
    "ធ្វើការឲ្យតែបាយ",
    "ធ្វើការដោះតែបាយ",
    "មិនដែលបានប្រាក់ខែ",
    "មិនដែលឲ្យលុយ",
    "(tver|thvir|tvee|thveu) (kar|ka) (tae|te) (sii bay|si bay|bay)",
    "(ot|min) (del|dael|deal) (ban|oy|aoy) (luy|prak khae|prakkhe)",
    "(only|just) for (food|rice|meals|a place to sleep)",
    "for food only",
    "never (been )?paid",
    "no (pay|wage|wages|salary) (at all|for)",
)
_CHAINED = (
    "ច្រវាក់",
    "ខ្នោះ",
    "ដាក់ទ្រុង",
    "ក្នុងទ្រុង",
    "ចងជើង",
    "ចងដៃ",
    "ចងនឹងសសរ",
    "ចងទុក",
    "ចាក់សោ",
    "មិនដែលចេញ",
    "(chrovak|chravak|chrovaak|chrovak)",
    "(khnoh|khnos|knors|knoh)",
    "(chang|cheang) (cheung|jeung|chheung|dai|tuk|nung sorsor|nung sasar)",
    "(dak|dak nov) (trung|troung|knong trung)",
    "chain*",
    "shackle*",
    "tied (up|to|with)",
    "(in|into) a cage",
    "caged",
    "locked (in|up|away|inside)",
    "(kept|keeps|keep|shut) (in|inside) (a|the|her|his) (back |dark )?(room|shed|hut|cage|storeroom)",
    "never (go|goes|went|been) (out|outside)",
)
# Signs of control over a woman married abroad through a broker: crying, watched while she talks,
# her papers or phone kept, calls rare or forbidden.
_FOREIGN_SPOUSE = _ABROAD + (
    "កូរ៉េ",
    "korean",
    "chinese",
    "taiwanese",
    "foreign*",
    "foreigner",
    "(barang|bor rang)",
)
_CONTROL = (
    "យំ",
    "មិនឲ្យខល",
    "មិនឲ្យទូរស័ព្ទ",
    "ស្តាប់ពេលនាងនិយាយ",
    "យកលិខិតឆ្លងដែន",
    "(yom|yum|yoam)",
    "(min|ot) (oy|aoy|ouy) (call|kol|khol|tourasap|tel)",
    "cry",
    "cries",
    "crying",
    "cried",
    "(husband|he|they|family|in-laws) (listen|listens|listening|listened|watch|watches|watching|checks|check|checking)",
    "(talk|talks|talking|sounds|sound|speaks) (strange|strangely|scared|afraid|different|weird)",
    "(only )?once (each|every|in) (a )?(few )?(month|months|year)",
    "(cannot|can't|cant|not allowed to|never allowed to|not let to|not let her) (call|contact|talk|speak|visit|come home|go out|leave)",
    "(took|takes|take|keep|keeps|kept|hold|holds) (her|his) (passport|id|phone|papers|documents)",
)
# A child promised, engaged or to be wed, or "a case of child marriage" (with a stated age under 18
# this is `child_marriage`); "can a 17-year-old marry with her parents' consent?" is a question.
_BETROTHED = (
    "ភ្ជាប់ពាក្យ",
    "ដណ្តឹង",
    "បង្ខំឲ្យរៀបការ",
    "រៀបការកូនក្មេង",
    "អាពាហ៍ពិពាហ៍កុមារ",
    "(phjab|pjab|phchab|pchab) (peak|pek|pheak)",
    "(dondeung|dandoeng|dondoeng|dondung)",
    "(bongkhom|bangkhom|bongkom|bangkom) (oy|aoy|ouy) (rieb|riep|reab|reap) (kar|ka)",
    "engaged",
    "engagement",
    "betroth*",
    "promised (in marriage|to)",
    "arranged marriage",
    "(forced|made|pressured|told|has|have|must) to marry",
    "(wedding|marriage) (is )?(set|planned|arranged|fixed|after|next|on|this)",
    "child marriage",
    "early marriage",
)
# Gone missing or not come back: with a stated age under 18 (`find_cues`), a child missing is at
# risk now, whoever reports it ("a husband missing for a year, can I divorce?" is a question).
_MISSING = _NOT_BACK + (
    "បាត់ខ្លួន",
    "បាត់ដំណឹង",
    "(bat|baat|bat) (khluon|kluon|khlourn|khloun|dom neng|damnoeng)",
    "(is|went|gone|has been|have been|was|were|go|goes) missing",
    "missing (since|for|from)",
    "disappeared",
    "(not|never|hasnt|has not|didnt|did not) (come|came|return|returned|go|gone|went|been) (back|home)",
)
# Shut in a (dark) room and not given food: at a rehab centre, an orphanage or at home.
_SHUT_IN = (
    "បន្ទប់ងងឹត",
    "ដាក់ក្នុងបន្ទប់",
    "ខ្ទប់ក្នុងបន្ទប់",
    "(bontup|bantob|bontub|bantub|bontob) (ngoet|ngeut|ngoeut|nget|ngit)",
    "(dak|dak tuk|khtob|ktob) ([a-z]+ )?(knong|nv knong|knung) (bontup|bantob|bontub|bantub|bontob)",
    "dark room",
    "(locked|shut|kept|put|locks|shuts|keeps|puts) (him|her|them|me|us)? ?(in|inside|into) (a|the) (dark |small |locked )?(room|cell|shed|storeroom|box)",
    # round 27: a door someone guards (set 30: a scam compound at Bavet, "mean neak yeam tvear")
    "យាមទ្វារ",
    "ឈរចាំទ្វារ",
    "(yeam|yeum|yiem|yam|jam) (tvear|tvea|twear|thvear|tvie|tveer)",
    "(guard|guards|guarded|guarding|watches|watching) (at )?(the )?(door|gate)",
    "(door|gate) (is |are |was )?(always )?(guarded|watched)",
)
_NO_FOOD = (
    "មិនឲ្យញ៉ាំ",
    "គ្មានអីញ៉ាំ",
    "មិនឲ្យហូប",
    "(ot|min|mun) (oy|aoy|ouy) (nham|hob|si|nyam|nhum)",
    "(without|no) (food|water|meals|eating)",
    "not (given|allowed|let) (any )?(food|to eat|water)",
    "nothing to eat",
)
# Children at a guesthouse or hotel with a foreign or unknown man: a child at risk now.
_LODGING = (
    "ផ្ទះសំណាក់",
    "សណ្ឋាគារ",
    "(phteah|pteah|ptah|pteh) (samnak|somnak|samnaK)",
    "guesthouse*",
    "guest house*",
    "hotel*",
    "motel*",
)
_UNKNOWN_MAN = (
    "បុរសបរទេស",
    "ជនបរទេស",
    "បារាំង",
    "(bros|pros|boros) (barang|borates|bor rang|bartes)",
    "barang",
    "foreign (man|men|guy|guys|tourist|tourists)",
    "foreigner*",
    "(old|older|unknown|strange) (man|men|guy)",
    "tourist*",
)
# A goodbye message with a place where a life is at risk: someone may be about to end it now.
_FAREWELL = (
    "លាហើយ",
    "លាសិនហើយ",
    "សុំទោសគ្រប់យ៉ាង",
    "(lea hoy|lea haey|lea hz|lea heuy)",
    "(som|sum) (tos|toh) (krob|krup|krub) (yang|yeang)",
    "លាគ្រប់គ្នា",
    "លាជារៀងរហូត",
    "(said|says|say|sent|sends|send|texted|texts|posted|posts|wrote|writes|left) (a |his |her |me |us |their )?(goodbye|good bye|farewell)",
    "(goodbye|good bye|farewell) (message|note|letter|text|post|everyone|all|forever|mum|mom|mama|dad|papa|my family)",
    "bye forever",
    "sorry for everything",
    # "sorry, mum", "do not wait for me": the leave-taking of someone who does not mean to come back
    "សុំទោសម៉ាក់",
    "សុំទោសម្តាយ",
    "សុំទោសប៉ា",
    "កុំចាំកូន",
    "កុំចាំខ្ញុំ",
    "(som|sum) (tos|toh|tous) (mak|mae|ma|pa|ba|mday|ov|pouk)",
    "(kom|kum) (cham|jam|chaam) (kon|koun|knhom|khnhom|knom)",
    "(sorry|forgive me),? (mum|mom|mama|ma|mother|dad|papa|pa|father)",
    "(dont|don't|do not|no need to) wait for me",
    "forgive me",
    "take care of (mum|mom|mother|dad|father|the kids|my kids|everyone)",
    "last message",
    # round 19: "សុំទោសម៉ែ" (sorry, mum, in the word of the countryside), "sorry" closing a message
    # of despair, a letter left for the family
    "សុំទោសម៉ែ",
    "សុំទោសពុក",
    "សុំទោសឪពុក",
    "សុំទោសប្រពន្ធ",
    "សុំទោសកូន",
    "(som|sum) (tos|toh|tous) (me|mea|puk|pouk|ovpuk|kon|koun|prapon|propon)",
    "sorry ?[.!]*$",
    "(wrote|write|writing|left|leave) (a |my )?(letter|note) (for|to) (my|the) (mom|mum|mother|ma|mama|dad|father|kids|children|son|daughter|family|wife|husband)",
    "សរសេរសំបុត្រទុក",
    "(sorser|sorse|sarse|sorsei|sarsay|sorsay|sorsey|sarser) (sombot|sambot|sobot) (lea|tuk)",
)
# Seventeenth round: a goodbye beside despair, a letter left for the family, a wish to die or a
# phone no longer answered ("knhom ot dg thvir ey tiet hz ... sorser sombot tuk oy kon hz, lea hz",
# "post facebook tha lea hz, tel ot leuk, ... chong som slab"): two victims of sets 10 and 13 read
# by the models alone at 0.26-0.31, just about the ask line.
_DESPAIR = (
    # "not knowing" (មិនដឹង, "ot deng") is blanked before signals are looked for (SIGNAL_EXCEPTIONS):
    # what else to do is what is left of it
    "ធ្វើអ្វីទៀត",
    "ធ្វើយ៉ាងម៉េចទៀត",
    "អស់ផ្លូវ",
    "សរសេរសំបុត្រទុក",
    "ចង់ស្លាប់",
    "ទូរស័ព្ទមិនលើក",
    "(thvir|tver|tvee|thveu|twer|thvea) (ey|avey|ai|mech) (tiet|teat|tiat)",
    "(sorser|sorse|sarse|sorsei|sarsay|sorsay|sorsey|sarser) (sombot|sambot|sobot) (tuk )?(oy|aoy|ey)",
    "(yub|yb|yup) (nis|ni|nih|neh) ([a-z]+ )?(chob|jop|chop|job|chhob)",
    "យប់នេះចប់",
    "(kmean|ot mean|kmian) (plov|phlov) (chenh|chen)",
    "(chong|jong|chang) (som |sum )?(slab|slap|slob)",
    "(tel|phone|toursap|tursap) (ot|min|mun) (leuk|lerk|lek|loek)",
    "(ot|min|mun) (leuk|lerk|lek|loek) (tel|phone|toursap|tursap)",
    "(dont|don't|do not) know what (else )?to do (anymore|any more)",
    "(cannot|can't|cant) go on",
    "no way out",
    "(letter|note) for (my|the|her|his) (kids|children|son|daughter|family|mother|mum|mom|husband|wife)",
    "(wants|wanted|want|said (she|he) wanted) to die",
    # round 19: "can't bear it any more", "tired of living", "the last night", "want it all to end"
    "ទ្រាំលែងបាន",
    "ទ្រាំមិនបាន",
    "ទ្រាំលែងកើត",
    "ទ្រាំមិនកើត",
    "អស់កម្លាំងរស់",
    "យប់ចុងក្រោយ",
    "ចង់ឲ្យអ្វីៗចប់",
    "ចង់ឲ្យអ្វីៗទាំងអស់ចប់",
    "(trom|troam|tream|trorm|troum) (leng|ot|min|mun) (ban|korn|kert|kaet)",
    "(os|aos|ors) (kamlang|komlang) (ros|rous|rus)",
    "(yub|yb|yup) (chong kroy|jong kroy|chongkroy)",
    "(cannot|can't|cant|can not) (take|do|bear|stand|handle) (it|this) (anymore|any more|no more)",
    "(dont|don't|do not) want to wake up",
    "want (it|this|everything) (all )?to (stop|end)",
    "(tired|sick) of (living|life|everything)",
    "last night of my life",
)
# Round 19: the means at hand beside despair ("I can't take it anymore. I have the pills in my hand",
# "ញុំអត់ចង់រស់ទៀតទេ ... ញុំទិញថ្នាំពុលសត្វទុករួចហើយ"): self-harm whatever the models read.
_MEANS = (
    "ថ្នាំពុល",
    "ថ្នាំសម្លាប់សត្វល្អិត",
    "ថ្នាំសម្លាប់ស្មៅ",
    "ថ្នាំដេកលក់",
    "ថ្នាំគ្រាប់",
    "ខ្សែពួរ",
    "(thnam|tnam|thnom) (pul|pol|poul|dek lak|dekluk)",
    "pill",
    "pills",
    "tablets",
    "sleeping pill*",
    "poison*",
    "pesticide*",
    "insecticide*",
    "rat poison",
    "weedkiller",
    "rope",
)
_DANGER_PLACE = (
    "ស្ពាន",
    "ទន្លេ",
    "ផ្លូវដែក",
    "ដំបូល",
    "ជ្រោះ",
    "(spean|spian)",
    "(tonle|tunle|tonlei)",
    "(plov dek|phlov dek|plouv daek)",
    "bridge",
    "river",
    "railway",
    "rail track*",
    "train track*",
    "rooftop",
    "roof",
    "cliff",
    "dam",
    "waterfall",
)
# A request for protection, a referral, a placement or a visit for someone: a report, not a question.
_PROTECTION_REQUEST = (
    "សុំការការពារ",
    "ត្រូវការការពារ",
    "សុំបញ្ជូន",
    "ស្នើសុំបញ្ជូន",
    "ស្នើសុំចុះ",
    "កន្លែងសុវត្ថិភាព",
    "ផ្ទះសុវត្ថិភាព",
    "(som|sum|snae som|snaeu sum) (kar kar pear|kar karpea|karpea|kar kapea|banhchoun|banhjun|bonhchun|banchoun)",
    "(request|requests|requesting|requested|ask|asks|asking|asked|need|needs|seek|seeks|seeking|want|wants) (for )?(a |an |any |urgent |some )?(protection|referral|placement|shelter|rescue|safe place|safe house|intervention)",
    "(request|requests|requesting|requested) (for )?(a |an |urgent )?(home |field )?visit",
    "(protection|referral|shelter|placement|safe place) (for|of) (him|her|them|the (girl|boy|child|woman|man|family|victim))",
    "(any |is there )?protection (is |be )?available",
    "(refer|place|protect|shelter|rescue|help|check on|get) (him|her|them) (out|to|into|safe|somewhere)",
    "how (can|do|could) (we|i) (help|protect|check on|get) (him|her|them)",
    "(help|protect|check on) (him|her)$",
)

SIGNALS: tuple[tuple[str, str, tuple[tuple[str, ...], ...]], ...] = (
    # (name, danger category it counts as, groups)
    ("debt_threat", "threat", (_LENDER, _THREAT_WORDS)),
    ("land_threat", "threat", (_LAND, _THREAT_WORDS)),
    ("extortion", "threat", (_INTIMATE, _PAY_OR_SHARE)),
    ("grooming", "child_at_risk", (_CHILD, _LURE, _ALONE)),
    ("child_marriage_debt", "child_at_risk", (_MARRY, _SETTLE, _CHILD)),
    ("child_without_care", "child_at_risk", (_CHILD, _NO_CARE)),
    ("confinement", "trafficking", (_CONFINE,)),
    ("abroad_no_contact", "trafficking", (_ABROAD, _NO_CONTACT)),
    ("fear_at_home", "threat", (_FEAR, _HOME)),
    ("sexual_coercion", "sexual_abuse", (_PRIVATE_FAVOUR, _IN_RETURN)),
    ("elder_without_care", "violence", (_ELDER, _ELDER_NEGLECT)),
    ("debt_bondage", "forced_labour", (_UNTIL_PAID, _WORK)),
    ("deceptive_offer", "trafficking", (_JOB, _ABROAD, _DECEPTION)),
    ("abuse_in_secret", "sexual_abuse", (_TO_BED, _SILENCE)),
    ("house_harm_threat", "threat", (_DEBT_OR_DEADLINE, _HOUSE_HARM)),
    ("hidden_camera", "threat", (_CAMERA, _PRIVATE_PLACE)),
    ("retaliation", "threat", (_REPORTED, _WARNING)),
    ("abduction", "trafficking", (_TAKEN_AWAY, _NO_CONTACT)),
    ("death_hint", "threat", (_DEATH_HINT, _AIMED)),
    ("child_given_for_money", "trafficking", (_CHILD + _BABY, _GIVE_AWAY, _PAID_FOR)),
    ("veiled_death_threat", "threat", (_NO_TOMORROW,)),
    ("stalking", "threat", (_EX_PARTNER, _STALKING)),
    ("persistent_stalking", "threat", (_PERSISTENT, _WATCHED)),
    ("child_taken", "child_at_risk", (_CHILD + _BABY, _TAKE_CHILD, _NOT_BACK)),
    # ninth round: reports about a concrete person by a third party, however formally written
    ("followed_or_tracked", "threat", (_CONCRETE + _CHILD + _ELDER, _FOLLOWED)),
    ("advocacy_intimidation", "threat", (_CONCRETE, _ADVOCACY, _INTIMIDATE)),
    ("elder_money_taken", "violence", (_ELDER, _MONEY_TAKEN)),
    ("disabled_confined", "violence", (_MENTAL_OR_DISABLED, _CHAINED)),
    ("married_abroad_control", "trafficking", (_MARRY, _FOREIGN_SPOUSE, _CONTROL)),
    ("farewell_at_danger_place", "threat", (_FAREWELL, _DANGER_PLACE)),
    ("farewell_in_despair", "self_harm", (_FAREWELL, _DESPAIR)),
    ("despair_with_means", "self_harm", (_DESPAIR, _MEANS)),
    ("disabled_unpaid_work", "forced_labour", (_MENTAL_OR_DISABLED, _UNPAID_WORK)),
    ("protection_requested", "threat", (_CONCRETE, _PROTECTION_REQUEST)),
    ("shut_in_without_food", "violence", (_SHUT_IN, _NO_FOOD)),
    ("child_at_lodging_with_man", "child_at_risk", (_CHILD, _LODGING, _UNKNOWN_MAN)),
)

# --- context that lowers the signal (data) --------------------------------------------------------
LOWERING: dict[str, tuple[str, ...]] = {
    "vehicle": (
        "ឡាន",
        "ម៉ូតូ",
        "តុកតុក",
        "រ៉ឺម៉ក",
        "រថយន្ត",
        "កង់",
        "ឡានក្រុង",
        "lan",
        "moto*",
        "tuk tuk",
        "tuktuk",
        "remork",
        "kong",
        "car",
        "cars",
        "truck*",
        "lorry",
        "bus",
        "van",
        "taxi",
        "bicycle",
        "bike",
        "cart",
        "tractor",
        "vehicle",
    ),
    "animal": (
        # wild animals, pests and weeds: "may I kill the wild boar", "a spray to kill rats"
        "boar*",
        "wild pig*",
        "wild animal*",
        "wildlife",
        "monkey*",
        "rat",
        "rats",
        "mice",
        "pest",
        "pests",
        "insect*",
        "termite*",
        # weeds as the thing killed; never "weed" alone: repeated letters are squashed ("wed", "wedding")
        "(kill|kills|killing|killed|spray|spraying|sprayed|pull|pulling|pulled|cut|cutting) (the |my |our |all the )?weeds?",
        "kondol",
        "kondrat",
        "sat lit",
        "សត្វល្អិត",
        "ស្មៅ",
        "smao",
        "ឆ្កែ",
        "គោខ្ញុំ",
        "គោគេ",
        "គោអ្នក",
        "គោរបស់",
        "ក្របី",
        "ជ្រូក",
        "មាន់",
        "ទាខ្ញុំ",
        "ទាគេ",
        "ពស់",
        "ឆ្មា",
        "សត្វ",
        "chhke",
        "krabei",
        "chrouk",
        "moan",
        "dog*",
        "cow*",
        "buffalo*",
        "pig*",
        "chicken*",
        "duck*",
        "goat*",
        "snake*",
        "pous",
        "សម្លាប់ទា",
        "សម្លាប់មាន់",
        "សម្លាប់ជ្រូក",
        "cat",
        "cats",
        "rooster*",
        "cattle",
        # seventh round: a bull, a calf, an ox, a horse
        "bull",
        "bulls",
        "calf",
        "calves",
        "ox",
        "oxen",
        "horse*",
        # pests: "how do I kill the ants / rats"
        "កណ្តុរ",
        "ស្រមោច",
        "កន្លាត",
        "មូស",
        "កណ្ដៀរ",
        "kondor",
        "kandor",
        "sromaoch",
        "sromoch",
        "kanlat",
        "ant",
        "ants",
        "rat",
        "rats",
        "mice",
        "mouse",
        "cockroach*",
        "mosquito*",
        "termite*",
        "pest*",
        "insect*",
        # sixth round: more pests, the poison or spray meant for them, fish, fighting cocks
        "bed bug*",
        "bedbug*",
        "flea*",
        "lice",
        "louse",
        "kondiet",
        "kandiet",
        "kondier",
        "kandier",
        "ស្អិត",
        "ថ្នាំសម្លាប់",
        "thnam samlab",
        "pesticide*",
        "insecticide*",
        "herbicide*",
        "rat poison",
        "bug spray",
        "fish",
        # eighth round: crabs, shrimps, snails killed to cook (not Khmer បង្គា: inside បង្គាប់, to order)
        "ក្តាម",
        "(kdam|kadam|k'dam)",
        "crab",
        "crabs",
        "shrimp*",
        "prawn*",
        "lobster*",
        "snail*",
        "សម្លាប់ត្រី",
        "ឆក់ត្រី",
        "(samlab|somlab|samlap) trey",
        "cock",
        "cocks",
        "cockfight*",
        "fighting cock*",
        "មាន់ជល់",
    ),
    "weather": (
        "ភ្លៀង",
        "ខ្យល់ព្យុះ",
        "ព្យុះ",
        "ទឹកជំនន់",
        "រន្ទះ",
        "phlieng",
        "pyus",
        "tuk chomnon",
        "storm*",
        "rain*",
        "wind",
        "flood*",
        "lightning",
        "hail",
        "weather",
    ),
    "object": (
        # round 23: the same in Khmer script and romanised ("កាំបិតផ្គាក់ ពូថៅ ... លក់"), water guns for
        # the new year, mosquitoes and pests
        "លក់កាំបិត",
        "លក់ពូថៅ",
        "កាំបិតផ្គាក់",
        "កាំភ្លើងទឹក",
        "(kampleung|kampleng|kamplerng|kamplung) (tuk|tek|teuk|tik)",
        "water gun*",
        "(somlab|samlab|somlap|samlap) (mus|mous|moos|kanlat|sromoch|sromaoch|kandor)",
        # round 22: blades and fireworks for sale or for a ceremony, cattle slaughtered for the market
        "(selling|sell|sells|for sale|buy|buying) ([a-z]+ ){0,3}(knife|knives|machete*|axe|axes|sword*)",
        "firework*",
        "(kampleung|kamplerng|kamplung) (phay|pay|phai)",
        "កាំជ្រួច",
        "(somlab|samlab|somlap|samlap) (ko|krabei|krobey|chrouk|chruk|moan|tea)",
        "slaughter*",
        # plants, and a "dead" device (ទូរស័ព្ទស្លាប់, a dead phone)
        "orchid*",
        "orkide",
        "ផ្កាអ័រគីដេ",
        "mango*",
        "fruit tree*",
        "(phone|mobile|laptop|battery|tv|engine|fridge|screen) (is |was |went )?dead",
        "dead (phone|mobile|battery|screen|engine|laptop|tv|fridge)",
        "(tel|phone|toursap|tursap|thmor|battery|machine|masin) ((knhom|khnhom|knom|gnang|gat|ke) )?(slap|ngab)",
        "ទូរស័ព្ទស្លាប់",
        # eighth round: a battery run down or a phone "died" is a thing (it was an idiom, and an idiom
        # explains every word and signal: "held on the boat three months, my battery is nearly out")
        "អស់ថ្ម",
        "os thmor",
        "(phone|battery|screen) died",
        "អាគុយស្លាប់",
        "ម៉ាស៊ីនស្លាប់",
        "ថ្មស្លាប់",
        "ស្រូវ",
        "ដំណាំ",
        "ដើមឈើ",
        "ដើម",
        "របង",
        "ជញ្ជាំង",
        "កញ្ចក់",
        "ដំបូល",
        "បន្លែ",
        "តូប",
        "srov",
        "domnam",
        "daem",
        "rorng",
        "kanhchok",
        "dambol",
        "bonle",
        "rice",
        "crop*",
        "plant",
        "plants",
        "tree*",
        "fence",
        "wall",
        "window*",
        "roof",
        "stall",
        "vegetable*",
        "ball",
        "cards",
        "(chess)",  # as written: its romanised variants would match "cheh" (burn)
        "game",
        "grass",
        "ស្មៅ",
        # goods: "the screen died", "he sold me a broken phone"
        "screen",
        "warranty",
        "refund",
        # eighth round: a virus or an app "killed" on a phone
        "virus",
        "viruses",
        "malware",
        "spyware",
        "app",
        "apps",
        "pop-? ?ups?",
        # trees felled on a boundary ("kab doem chheu")
        "(daem|doem|deum|dom|doeum) (chheu|cheu|chhoe|chhue)",
        "timber",
        "ដើមឈើ",
        # seventh round: straw, stubble, rubbish or a bees' nest burnt; crops killed by a weedkiller;
        # a weapon as a picture, a tattoo or a toy
        "ចំបើង",
        "សំបុកឃ្មុំ",
        "ត្រសក់",
        "ថ្នាំបាញ់ស្មៅ",
        "(chombaeng|chambaeng|chombeng|chambeng|chom baeng|chambeung)",
        "(sombok|sambok|sampok) (khmum|kmum|khmom|kmom)",
        "(trasak|trosak|trasok)",
        "(thnam|tnam) (bach|bok) (smav|smao|smau)",
        "straw",
        "stubble",
        "rubbish",
        "trash",
        # a nest, never "bee" alone: repeated letters are squashed ("bee" would be "be")
        "(bee|bees|wasp|wasps|hornet|hornets)s? (nest|nests|hive|hives)",
        "beehive*",
        "(bees|wasps|hornets) (keep |kept |always )?(attack*|sting*|chase*)",
        "pumpkin*",
        "cucumber*",
        "herbicide*",
        "weedkiller*",
        "weed killer",
        "tattoo*",
        "សាក់",
        "(sak|sack) (rup|roup|rub|roub)",
        "(rup|roup|rub|roub) (kamphleung|kampleung|kamplerng|kamphlerng|kambet|kombet)",
        "(picture|photo|drawing|image|tattoo) of (a|an) (gun|knife|pistol|rifle|sword)",
        "(toy|water|plastic|airsoft) (gun|guns|pistol|knife|sword)",
    ),
    # films, games, sport: "the killing fields", "beat level 30", "beat the thai fighter"
    "entertainment": (
        # round 20: a documentary, a quiz, a fighting game, a martial art taught
        "documentar*",
        "គុនខ្មែរ",
        "pub quiz",
        "quiz",
        "trivia",
        "mortal kombat",
        "free fire",
        "pubg",
        "bokator",
        "ល្បុក្កតោ",
        "ឯកសារវីដេអូ",
        "ភាពយន្ត",
        "រោងកុន",
        "រឿងភាគ",
        "ហ្គេម",
        "ប្រដាល់",
        "kun khmer",
        "pheap yun",
        "game*",
        "movie*",
        "film",
        "films",
        "cinema",
        "subtitle*",
        "episode*",
        "series",
        "drama",
        "novel",
        "boxing",
        "fighter*",
        "level",
        "candy crush",
        "free fire",
        "pubg",
        "mobile legends",
        # songs, fight films, matches
        "lyrics",
        "chamrieng",
        "chomreang",
        "chreang",
        "chrieng",
        "ចម្រៀង",
        "kun hong",
        "kun chin",
        "ប្រកួត",
        "prakuot",
        "football",
        "league",
        # sixth round: sport scores, ghost stories and a film's plot
        "បាល់ទាត់",
        "បាល់ទះ",
        "កីឡា",
        "វគ្គផ្តាច់ព្រ័ត្រ",
        "ប៉ុន្មានគ្រាប់",
        "រឿងខ្មោច",
        "សាច់រឿង",
        "ខ្សែភាពយន្ត",
        "តួឯក",
        "bal tat",
        "bal teah",
        "kayla",
        "keila",
        "sea games",
        "(ponman|bonman|bon man|pon man) (krab|kroap|grab)",
        "soccer",
        "volleyball",
        "tournament",
        "goals",
        "ghost stor*",
        "rueng khmoch",
        "reuong khmoch",
        # seventh round: football clubs whose results are told as one "beating" another
        "chelsea",
        "arsenal",
        "liverpool",
        "manchester",
        "man (u|utd|united|city)",
        "real madrid",
        "barcelona",
        "barca",
        "juventus",
        "bayern",
        "psg",
        # eighth round: a score ("we got killed 4-1"), who won; a film watched; a fight staged
        "who won",
        "[0-9]+ ?- ?[0-9]+ (win|loss|lost|won|defeat|draw)",
        "(got|get|were|was) (killed|destroyed|smashed|crushed|beaten|beat) [0-9]+ ?- ?[0-9]+",
        "មើលកុន",
        "កុនបាញ់",
        "កុនហុងកុង",
        "កុនចិន",
        "កុនថៃ",
        "ធ្វើពុត",
        "(tver|twer|tvee) (put|pot)",
        "pretend*",
        "staged",
        "fake fight*",
    ),
    # a work accident: a machine, social security ("injured by the cutting machine, does NSSF pay")
    "work_accident": (
        "ប.ស.ស",
        "បសស",
        "ម៉ាស៊ីន",
        "គ្រោះថ្នាក់ការងារ",
        "bososo",
        "nssf",
        "masin",
        "machine*",
        "work accident*",
        "workplace accident*",
        "accident at work",
        "occupational",
        # a saw or a blade at work ("a saw cut my finger"), never "I saw"
        "(a|the) (saw|chainsaw|blade|grinder|drill)",
        "chainsaw",
        "(circular|electric|table|power) saw",
    ),
    # a nuisance to the ears: "the karaoke is killing us"
    "noise": (
        "ខារ៉ាអូខេ",
        "សំឡេងខ្លាំង",
        "បើកខ្លាំង",
        "ធុងបាស",
        "karaoke",
        "noise",
        "noisy",
        "loud",
        "music",
        "speaker*",
        "samleng klang",
        "baek klang",
        "tung bas",
    ),
    # The person asking names their role or their purpose ("I am a teacher", "for my thesis"); a
    # role named as someone else ("the village chief made us sign") is no such context.
    "asker_role": (
        # a workshop or a class the writer prepares
        "workshop*",
        "vek ka",
        "vekka",
        "សិក្ខាសាលា",
        "sikkhasala",
        "training session*",
        "awareness session*",
        "pre-departure",
        "pre departure",
        "ខ្ញុំជាគ្រូ",
        "ខ្ញុំជានិស្សិត",
        "ខ្ញុំជាសិស្ស",
        "ខ្ញុំជាមេភូមិ",
        "ខ្ញុំជាមេឃុំ",
        "ខ្ញុំជាមន្ត្រី",
        "ខ្ញុំជាប៉ូលិស",
        "ខ្ញុំជាបង្គោល",
        "ខ្ញុំជា HR",
        "ខ្ញុំជាបុគ្គលិក",
        "ធនធានមនុស្ស",
        "ផ្នែកបុគ្គលិក",
        "មេរៀន",
        "និក្ខេបបទ",
        "កិច្ចការសាលា",
        "សរសេរអត្ថបទ",
        "គណៈកម្មការវត្ត",
        "រៀបចំវគ្គ",
        "បទបង្ហាញ",
        "(knhom|khnhom|knom|khnom) (jea|chea|ja|cha) (kru|nisset|sers|me phum|me khum|montrei|police|polis|hr|nak tornutv|neak tornutv)",
        "(i am|i'm|im|as) (a|an|the) (teacher|student|official|officer|police officer|village chief|commune chief|social worker|clerk|journalist|researcher|focal point|hr officer|lawyer|trainer|volunteer|youth volunteer|nurse|doctor|midwife|receptionist|hotel manager|shop owner|monk|reporter|writer|principal)",
        "(i am|i'm|im) (a )?(teacher|student|hr|lawyer|volunteer|journalist|reporter|researcher)",
        "(our|my) company (sends|sent|recruits|hires|employs)",
        "police post",
        "youth volunteer",
        "volunteer*",
        "journalist",
        "reporter",
        # eighth round: a translator or an interpreter asking a term
        "translator*",
        "interpreter*",
        "translating",
        "school project",
        "for a training",
        "on behalf of (the|our|a)",
        "outreach",
        "training for",
        "poster",
        "leaflet",
        "statistic*",
        "news story",
        "in the news",
        "film script",
        "script",
        "(knhom|khnhom|knom|khnom) (jea|chea|ja|cha)? ?(journalist|volunteer|neak kasat|neak smak chit|me phum|me khum)",
        "company (knhom|khnhom|knom|khnom) (bonh choun|bonhchoun|job|choul)",
        "kech kar",
        "ខ្ញុំជាម្ចាស់ហាង",
        "ខ្ញុំជាអ្នកកាសែត",
        "អ្នកស្ម័គ្រចិត្ត",
        "ក្រុមហ៊ុនខ្ញុំបញ្ជូន",
        "ក្រុមហ៊ុនខ្ញុំជ្រើសរើស",
        "ប៉ុស្តិ៍នគរបាល",
        "ស្រាវជ្រាវ",
        "សាកលវិទ្យាល័យ",
        "ពន្យល់អ្នកភូមិ",
        "វគ្គបណ្តុះបណ្តាល",
        "ផ្ទាំងរូបភាព",
        "ស្ថិតិ",
        "focal point",
        "ccwc",
        "social worker",
        "ngo",
        "our company hr",
        "lesson",
        "school report",
        "research*",
        "thesis",
        "essay",
        "assignment",
        "homework",
        "presentation",
        "workshop",
        "class presentation",
        "pagoda committee",
        "sarse essay",
        "sorse thesis",
        "sorse essay",
        "thnak rien",
        # a council member, a teacher, a student of law, HR, an owner asking in that role
        "ក្រុមប្រឹក្សាឃុំ",
        "ខ្ញុំបង្រៀន",
        "នាយកសាលា",
        "សាលាយើង",
        "ខ្ញុំរៀនច្បាប់",
        "(knhom|knom|khnom|khnhom) (bongrien|bangrien|bong rien)",
        "i teach",
        "(knhom|knom|khnom|khnhom) rien (nitisas|chbab|sangkum|college|university|sakol)",
        "kru (oy|aoy) (tvee|tver|twer|sreav|sorse|sarse)",
        "rapaykar",
        "(knhom|knom|khnom|khnhom) (tvee|tver|twer) hr",
        "(knhom|knom|khnom|khnhom) (mchas|mechas|mjas) (guesthouse|hang|hotel|pteah somnak|phteah somnak|pteh somnak)",
        "neak smak chet",
        "smak chet",
        # sixth round: a role without an article or with a qualifier ("I am lecturer", "I'm a
        # journalism student", "i am grade 12 student"), a course, a club, a code for the staff
        "(i am|i'm|im|as) (a |an |the )?([a-z0-9]+ ){0,2}(teacher|student|lecturer|professor|trainee|intern|inspector|principal|headmaster|researcher|journalist|reporter|lawyer|trainer|volunteer|official|officer|clerk|social worker)",
        "(we are|we're) (a|an) (licensed |registered |private |recruitment |small |tour |travel )?(agency|company|school|ngo|organisation|organization|clinic|hotel|guesthouse|association)",
        # a role signed at the start ("School principal, Takeo.", "Labour inspector trainee.")
        "^ ?((school|labour|labor|police|university|law|senior|head) )?(lecturer|professor|principal|headmaster|headteacher|inspector|researcher|journalist|reporter|official)( trainee)?( [a-z]+)? ?[.,:;]",
        "(inspector|teacher|police|lawyer|social worker|nurse) trainee",
        "criminology",
        "law club",
        # a debate as the reason to ask, not "the debate club coach touches the girls"
        "debating (whether|if|about|on)",
        "debate (on|about|whether)",
        "(for|in) (a|our|the|my) debate",
        # seventeenth round: a question for a debate club or a class ("debate club question: ...",
        # "my student asked for debate club", "nursing student, ethics class"), not "the debate club
        # coach touches the girls"
        "debate (club|team) (question|topic|motion|assignment)",
        "(krom|krum|krorm|kraom) debate",
        # round 21: a village or commune chief asking, a question for a class
        "(me phum|mephum|me khum|mekhum|chau sangkat|mesrok|me srok) (sour|suor|sor|som sour)",
        "(village|commune) chief (here|asking|asks)",
        "(neayok|nayok|neay kor|neaykor) sala",
        # round 24: a report, an article or a paper as the reason to ask; a journalist or a teacher in
        # other spellings ("nhom jea neak kasaet, sorser atthabot", "nhom kru ot deng chhlery")
        "(for|in) (my|our|a|the) ([a-z]+ ){0,2}(report|article|paper|dissertation|term paper)",
        "academic (only|question|purpose*)",
        "(nhom|knhom|kyom|kpom|khnhom) (jea |chea )?(neak kasaet|nak kasaet|neak kaset|nak kaset|kru|krou|lok kru)",
        "(sorser|sorse|sarse|sorsei) (atthabot|attabot|athabot|ar tha bot)",
        "(krom|krum) (sisa|sisar|sis)",
        "(polis|police|ponlis|polis posti|police post) (sour|suor|som sour)",
        "(kru|krou|lok kru|neak kru) (sour|suor|som sour)",
        "(sour|suor|som sour)? ?(sombrab|samrab|sam rab|sombrap) (thnak|kech kar|kechkar|mereen|merien|mero|kar sreav chrav)",
        "debate (sala|salarien|sala rien|thnak)",
        "ក្រុមជជែកដេញដោល",
        "ជជែកដេញដោល",
        "(for|in|asked for|ask for|asks for) (the |our |a |my )?debate (club|team|class|competition)",
        "(ethics|civics|morality|moral|health|psychology|sociology|philosophy|criminal law|law) (class|course|lesson|exam|lecture|module)",
        "(nursing|law|medical|medicine|pharmacy|psychology|social work|criminology|journalism) (student|students|class|school)",
        "teacher ask*",
        "our teacher (asked|asks|ask|wants|told) us",
        "code of conduct",
        "(child protection|staff|company|school) (code|policy)",
        "tour company",
        "កិច្ចការផ្ទះ",
        "គ្រូឲ្យកិច្ចការ",
        "គ្រូដាក់លំហាត់",
        "ក្លឹបច្បាប់",
        "ក្លឹបជជែក",
        "ជជែកវែកញែក",
        "វគ្គសិក្សា",
        "សាស្ត្រាចារ្យ",
        "អធិការការងារ",
        "ក្រមសីលធម៌",
        "(kech kar|kechkar) (pteah|phteah|pteh)",
        "(knhom|knom|khnom|khnhom) (rien|rean|rein|ryen) (nitisas|nitesas|nitisat|chbab|sangkum|college|university|sakol)",
        "(rien|rean|rein) (nitisas|nitesas|nitisat) (chnam|chhnam)",
        "sastracha",
        # seventh round: a class report, a grade 12 pupil, a journalist in romanised spellings, news seen
        "(for|in) (my|our|a) (university|college|school|law|criminology|journalism) (class|course|assignment|project|report)",
        "university class",
        "(kmeng|sis|seus|sers|nisset|neak) (rean|rien|rein|ryen) (thnak|tnak) (ti )?[0-9]+",
        "(sarpodarmean|sarpordamean|sarpodamean|sarpordarmean|sarpodamen|sarpodaman|sarapordamean)",
        "អ្នកសារព័ត៌មាន",
        "(kheunh|khernh|kernh|kheung) (news|pordamean|pormean|porda mean|pordarmean|pordameanh)",
    ),
    "law_question": (
        # the legal route (to work abroad, ...)
        "ផ្លូវច្បាប់",
        "(tam )?phlov (trov )?chbab",
        "legal (route|way|channel|pathway)",
        "legally",
        "ខុសច្បាប់",
        "តាមច្បាប់",
        "ច្បាប់ណា",
        "មាត្រា",
        "ទោសអ្វី",
        "ជាប់គុកប៉ុន្មាន",
        "បទល្មើសឬទេ",
        "kos chbab",
        "tros chbab",
        "tam chbab",
        "chbab na",
        "matra",
        "tos ey",
        "is it legal",
        "is it allowed",
        "is it a crime",
        "legal age",
        "minimum age",
        "what does the law",
        "what is the law",
        # round 24: the rules asked about ("just want to know the rules of self defense")
        "(know|knowing|learn) the (rule|rules|law) (of|on|about|for)",
        # round 23: visiting a relative in prison ("ប្អូនប្រុសខ្ញុំជាប់គុក ... ចង់ទៅសួរសុខទុក្ខ")
        "សួរសុខទុក្ខ",
        "(sour|suor) (sok|sokh) (tuk|tukh|tok)?",
        "visit (a |my |the |him |her )?(prisoner|inmate|in prison|in jail|at prison)",
        "prison visit*",
        "what the law says",
        "which law",
        "what law",
        "which article",
        "penalty",
        "punishment for",
        "how long in prison",
        "referral pathway",
        "where do i refer",
        "ទោសប៉ុន្មាន",
        "ច្បាប់អនុញ្ញាត",
        "ច្បាប់ហាម",
        "(tus|tos|tous) (ponman|ey|avey)",
        "chbab (srok khmer |khmer )?(anunhat|ham)",
        "mean chbab ham",
        "(kheus|khos|kos) chbab",
        # sixth round: duties and requirements under a law, codes and decrees, sentences compared
        "legal (obligation*|requirement*|duty|duties|age|status)",
        "allowed by (the )?law",
        "by law",
        "under (the )?law",
        "(which|what) ([a-z]+ )?laws?",
        "(a|any|the) ([a-z]+ )?law (on|about|against|for)",
        "law on",
        "is there a law",
        "does cambodia have",
        "sub-? ?decree*",
        "prakas",
        "criminal code",
        "penal code",
        "article number*",
        "penalties",
        "punishment",
        "death penalty",
        "life imprisonment",
        "(how|what) (to|can|do) (we|i) (check|verify)",
        "(how (can|do|should) (i|we)|how to|so as not to) (avoid|prevent)",
        "never (be )?accused",
        "ព្រហ្មទណ្ឌ",
        "ហាមឃាត់ទេ",
        "ពិន័យប៉ុន្មាន",
        "អនុក្រឹត្យ",
        "ទោសប្រហារជីវិត",
        "មានទោសយ៉ាងម៉េច",
        "មានទោសអ្វី",
        "ជាបទល្មើស",
        "ច្បាប់ស្តីពី",
        "ច្បាប់គ្រប់គ្រង",
        "ច្បាប់ទប់ស្កាត់",
        "ច្បាប់បង្ក្រាប",
        "កុំឲ្យធ្លាក់ក្នុង",
        "ពិនិត្យយ៉ាងម៉េច",
        "chbab .{0,40}(yang|yeang) (mec|mech|mich|dech|madech)",
        "(mean )?(tos|tus|tous) (prohat|prahar|prohar|brohat) (jivit|chivit)",
        "(chea )?bot (lmeus|lmoeus|lmers)",
        "(tos|tus|tous) .{0,60}(ponman|bonman) (chnam|chhnam)",
        "chbab (oy|aoy|ouy)",
        "anukret",
        # seventh round: a licence or a permit, what the law lays down, a sentence or a penalty, the
        # criminal code in romanised spellings, intent in a killing as a point of law
        "អាជ្ញាប័ណ្ណ",
        "ត្រូវសុំច្បាប់",
        "ត្រូវសុំការអនុញ្ញាត",
        "ច្បាប់កំណត់",
        "(need|needs|require|requires|required|get|apply for|have) (a |any )?(licen[cs]e|permit|permission)",
        "(licen[cs]e|permit|permission) to (sell|own|carry|keep|have|burn|buy)",
        "(trov|tro) (mean |som |sum )?(ach|chbab|anunhat|kar anunhat|achnhaban|ach nha ban|licen[cs]e|permit)",
        "chbab (kamnot|komnot|kamnort|komnort)",
        "(tos|tus|tous) (pontuch|bontuch|pon tuch|bon tuch|pon touch)",
        "(prison|jail) (sentence|term)",
        "sentence for",
        "how many years (in )?(prison|jail)",
        "(intentional|unintentional|deliberate|accidental) (killing|homicide)",
        "manslaughter",
        "(doy|daoy) (chetana|chetnea|chetanea|chetonea)",
        "(kram|krom|kream) (prohmotonh|prohmatont|pruhmotont|prohmotont|prummotont|prohmoton|prumtont)",
    ),
    # A past era: killings under the Khmer Rouge or in the war ("under Pol Pot my grandfather was
    # killed, how do we get a land title now"); explains what a thing explains (`decide`).
    "history": (
        "ខ្មែរក្រហម",
        "ប៉ុលពត",
        "សម័យសង្គ្រាម",
        "khmer rouge",
        "pol pot",
        "polpot",
        "khmer (krohom|kraham|krahorm|krohorm|krahom)",
        "(samay|samai) (pol pot|polpot|a pot|khmer krohom|khmer kraham|songkream|sangkream)",
        "genocide",
        # round 20: the memorials of that era ("how many killing fields sites are there?")
        "killing field*",
        "choeung ek",
        "cheung ek",
        "tuol sleng",
        "toul sleng",
        "s-? ?21",
        "វាលពិឃាត",
        "ទួលស្លែង",
        "(during|in) the (war|civil war)",
        "(in|during|since) (the )?(1975|1976|1977|1978|1979|1970s)",
    ),
    # Said outright that nobody was hurt, that it was only a quarrel, or that violence in the past is
    # over ("we only argue, no violence", "there was violence before but it has been over for
    # years"): explains a word of violence only (`decide`).
    "no_harm": (
        "គ្រាន់តែឈ្លោះ",
        "តែឈ្លោះគ្នា",
        "គ្មាននរណារបួស",
        # eighth round: nobody "suffered" an injury, almost came to blows, calm again, never violence
        "គ្មាននរណារងរបួស",
        "គ្មានអ្នករងរបួស",
        "មិនមាននរណារងរបួស",
        "មិនមានអ្នករងរបួស",
        "ស្ទើរតែវាយគ្នា",
        "ស្ងប់វិញហើយ",
        "ស្ងប់ហើយ",
        "(sngob|sngop|sngab|sngaob) (vinh|venh|hz|haey|hoy)",
        "never (any )?(violence|fighting|hitting|beating)",
        "(all |everyone |everybody |it is |its |now )?calm (now|again)",
        "almost (came to blows|fought|had a fight)",
        "គ្មានអ្នករបួស",
        "មិនមានអ្នករបួស",
        "គ្មានអំពើហិង្សា",
        "មិនមានអំពើហិង្សា",
        "តែបញ្ចប់",
        "បញ្ចប់យូរ",
        "បញ្ចប់ច្រើនឆ្នាំ",
        "(tae|kron tae|krantae|kroan tae) (chhlouh|chlos|chloh|chhloh|chhlos|chlouh) (knea|kna|knear)",
        "(ot|kmean|khmean|min) mean (nak|neak) (na )?(robuos|rbuos|robous)",
        "(ot|kmean|khmean|min) mean (hengsa|hingsa|heng sa|ampeu hengsa)",
        "(chob|chhob|chhop) (yur|yu|yo|yoor) (hz|haey|hoy|hei)",
        "(only|just) (a |an )?(big |small |verbal |loud )?(argu*|quarrel*|shouting|words)",
        "(nobody|no one|noone|none of us) (was |got |is |were )?(hurt|injured)",
        "(no|without) (violence|fighting|injur*)",
        "verbal (only|argument|fight|dispute)",
        "(it|violence|that) (is|was|has been|s|its) over",
        "over for (years|a long time|many years)",
        "(ended|stopped) (many |some )?(years|long) ago",
        # round 22: "nobody hit nobody", "not violent", "everyone fine now", "friends again"
        "(nobody|no one|noone) (hit|hits|hurt|hurts|touch|touches|touched|beat|beats) (nobody|anybody|anyone|no one)",
        "(not|never) violent",
        "(everyone|everybody|all|both) (is |are |was |were )?(fine|ok|okay|alright) (now|again|already)",
        "(are|became|become|is) friends again",
        "(ot|kmean|min) mean (nak|neak) (na )?(vay|veay|viey|vai) (nak|neak) (na )?",
        "គ្មាននរណាវាយនរណា",
        # round 23: reconciled, apologised, the police closed it, no violence "at all"
        "ជាគ្នាវិញហើយ",
        "ត្រូវគ្នាវិញហើយ",
        "(ot|kmean|khmean|min) mean (reung|rerng|roeung|reong) (hingsa|hengsa|heng sa)",
        "(both|we both|we) (said|say) sorry",
        "police (closed|settled) (it|the case)",
        "(case|it) (was |is )?(closed|settled) by (the )?police",
        "មិនមាននរណាវាយនរណា",
    ),
    "idiom": (
        # round 21: a deal or a plan "killed" ("he will kill the deal if I keep complaining")
        "kil* (the|this|our|my|his|her|that|their|your) (deal|contract|contracts|agreement|sale|project|plan|idea|job|jobs)",
        "killer (bass|price|prices|deal|deals|sound|look|app|feature|song|track)",
        # a match won ("we killed Thailand 3-0 last night")
        "(kil*|beat|smash*|crush*) [a-z]+ [0-9]+-[0-9]+",
        "ហាហា",
        "lol",
        "haha*",
        "hehe*",
        "jk",
        "kidding",
        "joke*",
        "killing me",
        "could murder",
        "dying to",
        "i died",
        "(debt|loan|interest|rent|noise|heat|traffic|price|prices|bill|bills|work|job|homework|exam|exams) (is|are)? ?killing",
        # joking; interest or noise that "kills"
        "😂",
        "🤣",
        "និយាយលេង",
        "niyeay leng",
        "(kar prak|karprak|bomnol|bamnol) (samlap|somlab|som lab)",
        "ការប្រាក់សម្លាប់",
        "(samlap|somlab) (domnek|domnaek)",
        "killing it",
        # a price "killed" by a trader, a market that is a "battlefield"
        "(samlab|somlab|samlap) (tlay|thlay|tlai|thlai)",
        "សម្លាប់ថ្លៃ",
        # eighth round: a price or a shop "killed" by a rival, words said in anger, an oath ("kill me
        # if I lie"), a smell "killing" the writer
        "សម្លាប់តម្លៃ",
        "(samlab|somlab|samlap) (tamlei|tomlei|tamlai|damlei|tomlai)",
        "(samlab|somlab|samlap) (hang|rokrsy|roksi|rokrsi|business|muk rob|mukrob)",
        "និយាយដោយកំហឹង",
        "និយាយទាំងខឹង",
        "(niyeay|niyay) (doy|daoy) (komhoeng|kamhoeng|komhong|kamheng)",
        "(said|say|says|saying|spoke|speak) (it |that )?(in|out of) anger",
        "just angry",
        "បើខ្ញុំកុហក",
        "(bae|ber|baeu|if) (knhom|khnhom|knom|khnom|kgnom|i) (kohok|kuhok|kohak|lie|lied|am lying)",
        "(klen|khlen|kloen|kleun) ([a-z-]+ ){0,3}(samlab|somlab|samlap)",
        "smell* ([a-z]+ ){0,3}killing",
        "kil* (the|my|our|his|her) price*",
        "battlefield",
        "war zone",
        "price war",
        "cut-? ?throat",
    ),
}


# Blanked before the lowering context is looked for: words that name a vehicle or an animal but
# are no thing hit ("2 lan riel" is two million riel, not a car; "kept by the pig pen" is where a
# person is kept).
LOWERING_EXCEPTIONS = (
    # a workshop that is a workplace, not a session the writer prepares
    "(furniture|repair|car|moto|motorbike|welding|garment|carpentry|metal|wood|sewing|mechanic*) workshop*",
    "(at|in) (a|the) workshop",
    "លានរៀល",
    "ក្រោលជ្រូក",
    "ក្រោលគោ",
    "ក្រោលក្របី",
    "([0-9]+|muoy|pi|bei|bey|buon|pram) lan",
    "lan riel",
    "krol chrouk",
    "krol ko",
    "krol krabei",
    "pig pen",
    "pigpen",
    "pig sty",
    "pigsty",
    "cattle pen",
    "cow shed",
    "chicken coop",
    "animal pen",
    # eighth round: leave asked to go out ("សុំច្បាប់", also "ask permission") is no law question
    "ចេញក្រៅក៏ត្រូវសុំច្បាប់",
    "ចេញក្រៅត្រូវសុំច្បាប់",
    "សុំច្បាប់ចេញ",
    "(chenh|chen) (krau|krav|kraw|krao) (kor |ko )?(trov |tro )?(som|sum) (chbab|chhbab)",
    "(som|sum) (chbab|chhbab) (chenh|chen)",
    # seventeenth round: a punishment given to a child is no question of the law ("the director
    # beat the kids with a stick and locked them in a dark room as punishment")
    "(as|for) (a |their |his |her |the )?punishment",
)

# Blanked before the threat-model signals are looked for: wanting or not knowing is no "knows
# where you live" ("ចង់ដឹងថាដល់ណាហើយ", "knhom ot deng tver mech"), and an accident on the road
# or one that killed someone is no veiled "accident" ("ស្លាប់ដោយគ្រោះថ្នាក់ចរាចរណ៍").
SIGNAL_EXCEPTIONS = (
    # a phone brought back or in for repair is no phone taken away
    "យកទូរស័ព្ទមក",
    "យកទូរស័ព្ទទៅជួស",
    "(yok|nam) (tel|phone|toursap) (mok|tov jus)",
    "brought (the|his|her|my|a) phone",
    "ចង់ដឹង",
    "មិនដឹង",
    "អត់ដឹង",
    "ដើម្បីដឹង",
    "សុំដឹង",
    "គ្រោះថ្នាក់ចរាចរណ៍",
    "ដោយគ្រោះថ្នាក់",
    "(chong|chang|jong|som|ot|min|mun) (deng|dung|doeng)",
    "(traffic|road|car|moto|motorbike|work|workplace) accident*",
    "(by|in an|in a) accident",
    # round 27: a lock put on a thing is no person locked in (nlu.safety.LOCKED_THINGS)
    *LOCKED_THINGS,
    "(changed|changes|change) the (lock|locks|padlock)",
    "(new|a) (lock|padlock) on (my|our|the|his|her) (stall|shop|kiosk|storeroom|store|gate|well|door)",
    # eighth round: the age of a thing is no child's ("cashew trees 3 years old")
    "(tree|trees|house|car|moto|motorbike|building|phone|roof|machine|plant|plants|sapling*|seedling*|cashew|mango|durian|pepper|dog|cow|buffalo|shop|business) ([a-z]+ ){0,2}[0-9]{1,2} ?(years?|yrs?) ?old",
)

# The asker's workplace with a question of procedure ("I work at a hotel: to whom do we report a
# guest who brings a child?"): both together are the `asker_role` context. A workplace alone is
# not: workers are abused at work ("I work at a factory, the boss keeps my passport").
_WORKPLACE = (
    "ខ្ញុំធ្វើការនៅ",
    "យើងធ្វើការនៅ",
    "សណ្ឋាគារ",
    "អង្គការ",
    "knhom tver kar nov",
    "yerng tver kar nov",
    "(i|we) work (at|in|for) (a|an|the)? ?(hotel|guesthouse|school|clinic|hospital|police|commune|agency|recruitment|bank|pagoda|shelter|ngo|organisation|organization|orphanage|district)",
    "(our|my) (hotel|agency|police post|commune office|organisation|organization|ngo|clinic)",
    "hotel staff",
    "receptionist",
)
_PROCEDURE = (
    "រាយការណ៍",
    "នីតិវិធី",
    "ប្រគល់",
    "អាជ្ញាប័ណ្ណ",
    "គួរធ្វើអ្វី",
    "ត្រូវធ្វើអ្វី",
    "reayka",
    "nitiviti",
    "brokol",
    "procedure*",
    "protocol",
    "policy",
    "licen*",
    "report (it|this|them|to)",
    "to whom",
    "who takes over",
    "who do we",
    "where do we",
    "what should we",
    "what do we",
    "are we allowed",
    "do we have to",
    "do we keep",
)

# Seventeenth round: a case referred, a victim in a shelter ("I am a social worker at an NGO, I want
# to refer the case of a girl raped last year, now in a shelter"): a concrete person, not a question
# asked in a role or about the law. "The referral pathway for GBV cases" (ផ្លូវបញ្ជូនករណី) names nobody.
_REFERRAL = (
    "refer* (a |the |this |one |our |her |his |their )?(case|girl|boy|child|kid|woman|victim|survivor|client)",
    *(f"ករណី{who}ដែល" for who in ("ក្មេងស្រី", "ក្មេងប្រុស", "ក្មេង", "កុមារី", "កុមារ", "ស្ត្រី", "នារី", "ប្អូនស្រី")),
    "(bonhjoun|banhchoun|bonh choun|banh choun|bonhchoun) (kar na|karni|karany|karaney|kmeng)",
    "(now |currently |staying |stays |is |are )?(in|at) (a |the |our )?(shelter|safe house)",
    "នៅផ្ទះសុវត្ថិភាព",
)

# The writer tells what happens to them: then a role they name ("I am a student") is who they
# are, not why they ask, and explains nothing ("knhom jea nisset, knhom kheunh camera knong bantob
# tek", "I am a teacher and my husband hits me"). The person as object or owner ("hit me", "my
# room", "vay knhom", "bantob knhom", "វាយខ្ញុំ", "បន្ទប់ខ្ញុំ") or as one who finds, suffers or
# fears ("I found", "knhom trov", "ខ្ញុំខ្លាច"); not in a request ("tell me", "prab knhom",
# "ប្រាប់ខ្ញុំ") nor with a role's own people ("my pupils", "សិស្សខ្ញុំ").
_ME = "(knhom|khnhom|knom|khnom|kgnom|knyom|knhum|kyom)"
_ME_WORDS = frozenset({"knhom", "khnhom", "knom", "khnom", "kgnom", "knyom", "knhum", "kyom"})
# Words after which a romanised "knhom" is still the subject or a request ("tae knhom", "prab knhom"),
# or the owner of a role's own people ("sis knhom", my pupils).
_ME_NOT_OBJECT = frozenset(
    "haey hoy hz tae te bae ber beu ponte pontae del dael reu rue ning nung jea chea ja cha tha thar thaa "
    "prab brab juoy juy jouy chuoy som sour bong oun lok kru ta yeay yerng yeung sis seus nisset "
    "company kromhun krom hun sala angkar ngo office thnak hotel guesthouse".split()
)
_FIRST_PERSON = (
    "(hit|hits|beat|beats|touch*|follow*|film*|record*|photograph*|threaten*|forc*|messag*|text*|grab*|push*|taunt*|mock*|harass*|watch*|stalk*|blackmail*|"
    "lock*|kept|keep*|took|take*|hurt*|scare*|slap*|kick*|rap*|abus*|insult*|curs*|shout* at|yell* at|"
    "pay|paid|owe*|fire*|sack*|cheat*|trick*|sold|sell*|trap*|hold*|held|chase*|want*|pressur*) me",
    "(at|against|behind|near) me",
    "my (room|bathroom|house|home|bed|body|phone|photo*|picture*|video*|boyfriend|girlfriend|husband|wife|ex|"
    "landlord|boss|employer|family|mother|father|mum|mom|dad|parents|sister|brother|son|daughter|child|children|"
    "kid*|baby|uncle|aunt|neighbour|neighbor|passport|salary|wages|life)",
    "(i|we) (was|were|have been|had been|got|get|keep|kept) [a-z]+ed",
    "(i|we) (am|are) being [a-z]+ed",
    "(i|we) (found|noticed|discovered|fear|am afraid|am scared|are afraid|are scared)",
    "happen* to (me|us)",
    f"{_ME} (kheunh|khernh|kheung|trov|ban trov|rong|klach|khlach|ot ach|min ach|chheu|tuk chet|bat)",
    "ខ្ញុំឃើញ",
    "ខ្ញុំត្រូវ",
    "ខ្ញុំរង",
    "ខ្ញុំខ្លាច",
    "ខ្ញុំឈឺ",
    "ខ្ញុំមិនហ៊ាន",
    *(
        f"{what}ខ្ញុំ"
        for what in (
            "វាយ",
            "ធ្វើបាប",
            "គំរាម",
            "ថត",
            "តាម",
            "ប៉ះ",
            "ចាប់",
            "ជេរ",
            "បង្ខំ",
            "ឃុំ",
            "ចាក់សោ",
            "បន្ទប់",
            "ផ្ទះ",
            "ប្តី",
            "ប្រពន្ធ",
            "សង្សារ",
            "កូន",
            "ម្តាយ",
            "ឪពុក",
            "ម្ចាស់ផ្ទះ",
            "ថៅកែ",
            "ទូរស័ព្ទ",
            "រូប",
            "ខ្លួន",
            "មកខ្ញុំ",
            "ចំពោះខ្ញុំ",
            "ដាក់ខ្ញុំ",
        )
    ),
)

# Harm done to the writer or to their own people, told beside a law question ("my husband beats me,
# what does the law say?", "pdey knhom vay knhom, chbab yang mech", "ប្តីខ្ញុំវាយខ្ញុំ តាមច្បាប់..."),
# a sport or a joke ("the football coach beats my son"): then the question, the sport or the joke is
# about their own situation, and a danger word is not explained away by it.
# Narrower than _FIRST_PERSON, which a possession alone satisfies ("my company", "bon phum knhom").
_HARM_VERBS_EN = (
    "hit*|beat*|kick*|slap*|punch*|chok*|strangl*|rap*|touch*|grop*|molest*|abus*|hurt*|threat*|forc*|"
    "sold|sell*|lock*|trap*|kept|keep*|took|tak*|held|hold*|burn*|stab*|cut|attack*|harass*|traffick*"
)
# Done to "me" or "us" (not "sold me a phone", "took me to the clinic", "keep me updated").
_HARM_VERBS_ME_EN = (
    "hit*|beat*|kick*|slap*|punch*|chok*|strangl*|rap*|touch*|grop*|molest*|abus*|hurt*|threat*|forc*|"
    "lock*|trap*|burn*|stab*|attack*|harass*|traffick*"
)
_MY_PEOPLE_EN = (
    "husband|wife|boyfriend|girlfriend|ex|partner|stepfather|stepmother|father|mother|dad|mum|mom|parents|"
    "daughter|son|child|children|kid|kids|baby|sister|brother|niece|nephew|uncle|aunt|cousin|grandchild|"
    "boss|employer|landlord|teacher|in-laws|father-in-law|mother-in-law|neighbour|neighbor|friend|"
    "granddaughter|grandson|student|pupil|classmate"
)
_HARM_VERBS_LATN = (
    "vay|veay|vai|teak|teah|romlob|romlop|romloap|chab|khum|lok|tver bap|twer bab|komream|kom ream|"
    "chak sao|bongkhom|bangkhom|ptom|pnheu"
)
_MY_PEOPLE_LATN = (
    "pdey|propon|prapon|songsa|pa|mday|mdai|ov|ovpuk|kon|kon srey|kon pros|bong|oun|thaokae|chauvay|"
    "kmuoy|kmouy|kmoy|kmuoy srey|kmouy srey|chau|mith|mit|sis|oun srey|bong srey"
)
_HARM_VERBS_KM = ("វាយ", "ធាក់", "ទះ", "រំលោភ", "ចាប់", "ឃុំ", "ចាក់សោ", "បង្ខំ", "ប៉ះ", "លក់", "គំរាម", "ធ្វើបាប", "ដុត")
_MY_PEOPLE_KM = (
    "ប្តី",
    "ប្រពន្ធ",
    "សង្សារ",
    "ឪពុក",
    "ម្តាយ",
    "កូន",
    "កូនស្រី",
    "កូនប្រុស",
    "បង",
    "ប្អូន",
    "ថៅកែ",
    "ឪពុកចុង",
    "ក្មួយ",
    "ក្មួយស្រី",
    "ក្មួយប្រុស",
    "ប្អូនស្រី",
    "បងស្រី",
    "ចៅ",
    "មិត្ត",
    "សិស្ស",
)
# Round 20: harm told to the writer by their own people a few words apart ("pdei knhom control all
# money, check phone knhom everyday, sometime vay"): with _OWN_HARM, what keeps a danger word the
# danger model reads as no danger from being dropped (`Cues.harm_told`, `QUIET_MODEL`).
_HARM_NEAR = (
    f"({_MY_PEOPLE_LATN}|pdei|pdai|bdey|bdei|bropon|propun) {_ME} ([a-z]+ ){{0,10}}({_HARM_VERBS_LATN})",
    f"my ({_MY_PEOPLE_EN}) ([a-z']+ ){{0,10}}({_HARM_VERBS_EN}) (me|us)",
)

_OWN_HARM = (
    f"({_HARM_VERBS_ME_EN}) (me|us)",
    f"({_HARM_VERBS_EN}) (my|our) ({_MY_PEOPLE_EN})",
    f"(my|our) ({_MY_PEOPLE_EN}) ([a-z]+ )?({_HARM_VERBS_EN})",
    f"(my|our) ({_MY_PEOPLE_EN}) ([0-9]+ )?(is|was|has been|had been|got|were|are|have been) ([a-z]+ )?({_HARM_VERBS_EN})",
    "(broke|break|breaks|broken|cut|burned|burnt|stabbed|hit|beat|kicked|slashed) (my|our|his|her) "
    "(arm|arms|leg|legs|hand|hands|head|nose|face|teeth|tooth|ribs|back|finger|fingers|jaw|eye)",
    "(i|we) (was|were|am|are|have been|had been|got|get) (being )?(hit|beaten|kicked|slapped|choked|raped|"
    "touched|sold|locked|trapped|held|kept|abused|hurt|threatened|forced|attacked|harassed|trafficked)",
    f"({_HARM_VERBS_LATN}) {_ME}",
    f"({_HARM_VERBS_LATN}) ({_MY_PEOPLE_LATN}) {_ME}",
    f"({_MY_PEOPLE_LATN}) {_ME} ([a-z]+ )?({_HARM_VERBS_LATN})",
    f"{_ME} (trov|ban trov|rong) ([a-z]+ )?({_HARM_VERBS_LATN})",
    # someone who suffered it, whoever they are ("ក្មួយស្រីខ្ញុំ ... ត្រូវគេលក់", "my niece was sold")
    f"trov (ke|neak) ({_HARM_VERBS_LATN})",
    "(is|was|were|been|being|got|get) (being )?(sold|raped|trafficked|beaten|abducted|kidnapped|locked up|molested)",
    *(f"{verb}ខ្ញុំ" for verb in _HARM_VERBS_KM),
    *(f"{who}ខ្ញុំ{verb}" for who in _MY_PEOPLE_KM for verb in _HARM_VERBS_KM),
    *(f"{verb}{who}ខ្ញុំ" for who in _MY_PEOPLE_KM for verb in _HARM_VERBS_KM),
    *(f"ខ្ញុំត្រូវ{who}" for who in ("គេ",) + _MY_PEOPLE_KM),
    *(f"ខ្ញុំត្រូវ{verb}" for verb in _HARM_VERBS_KM),
    *(f"ត្រូវគេ{verb}" for verb in _HARM_VERBS_KM),
    # harm going on now to people the writer knows, whom nobody dares report ("a man in our village
    # rapes young girls, what are the penalties? nobody dares to report")
    "(rapes|beats|molests|abuses|sells|traffics|touches|hits|locks up) ([a-z]+ ){0,2}"
    "(girls|boys|children|kids|women|workers|pupils|students)",
    "(nobody|no one|noone|none of us) (dares|dare) (to )?(report|tell|speak|complain)",
    "(afraid|scared|too scared|too afraid) to (report|tell|speak|complain)",
    "(ot|min) (mean )?((nak|neak) (na )?)?(hean|hien|hian) (bdeng|ptoeng|pdeng|prab|reayka)",
    "មិនហ៊ានប្តឹង",
    "មិនហ៊ានរាយការណ៍",
    "គ្មាននរណាហ៊ាន",
    "គ្មានអ្នកណាហ៊ាន",
    # round 19: the writer names themself a victim ("last year knhom victim of domestic violence")
    f"(i|im|i am|i'm|i was|{_ME}) (am |was |is |jea |chea )?(a |the )?(victim|survivor)",
    "ខ្ញុំជាជនរងគ្រោះ",
    "ខ្ញុំធ្លាប់ជាជនរងគ្រោះ",
    # sixteenth round: the writer's own wish to die ("i want to die, is it a crime to kill myself?")
    "(i|im|i am|i'm) ([a-z']+ ){0,2}(want|wanna|going|plan|planning|tried|try|trying|will|thinking of|think of) "
    "(to )?(die|kill myself|end my life|end it all)",
    "kill myself",
    "end my (own )?life",
    "(knhom|khnhom|knom|khnom|kgnom|knyom) ([a-z]+ )?(chong|jong|chang|ning|nung) (slab|slap|sleap|slob|somlab khluon|samlab khluon|samlap khluon)",
    "ខ្ញុំចង់ស្លាប់",
    "ខ្ញុំចង់សម្លាប់ខ្លួន",
    "ខ្ញុំមិនចង់រស់",
    "ខ្ញុំលែងចង់រស់",
)

# A threat to the life of the writer or their own people ("he put pesticide in my food to kill me",
# "ke chong samlab knhom", "គេចង់សម្លាប់ខ្ញុំ"): no thing, role, law question or film explains it
# away, only a joke may ("my wife will kill me lol" is asked about when the models doubt it).
_LIFE_THREAT = (
    # "to kill me" (tried to, wants to, threatened to, in my food to), not the hyperbole "my boss will
    # kill me if I am late"
    f"to (kill|poison|murder|burn) (me|us|my ({_MY_PEOPLE_EN}))",
    "poison(ed|s|ing)? (me|us|my food|our food|my drink|my water)",
    f"(chong|nung|neng|ning|nhung|ke|ka) (samlab|somlab|samlap|sam lab|som lab) ({_MY_PEOPLE_LATN} )?{_ME}",
    f"(dak|dak thnam|bak) (pul|thnam pul) ({_MY_PEOPLE_LATN} )?{_ME}",
    *(f"{how}សម្លាប់{who}ខ្ញុំ" for how in ("ចង់", "នឹង", "គេ", "គាត់", "ប៉ុនប៉ង") for who in ("",) + _MY_PEOPLE_KM),
    "ដាក់ថ្នាំពុលខ្ញុំ",
    "ដាក់ថ្នាំក្នុងម្ហូបខ្ញុំ",
    "ពុលខ្ញុំ",
)

# Blanked before the writer's own situation is looked for: "ខ្ញុំត្រូវ" / "knhom trov" is "I suffer"
# but also "I must" ("ខ្ញុំត្រូវធ្វើបទបង្ហាញ", I must give a presentation): a task the role brings.
_FIRST_PERSON_EXCEPTIONS = (
    "ខ្ញុំត្រូវធ្វើបទបង្ហាញ",
    "ខ្ញុំត្រូវពន្យល់",
    "ខ្ញុំត្រូវសរសេរ",
    "ខ្ញុំត្រូវរៀបចំ",
    "ខ្ញុំត្រូវបង្រៀន",
    "ខ្ញុំត្រូវបង្ហាញ",
    "ខ្ញុំត្រូវដឹង",
    "ខ្ញុំត្រូវធ្វើកិច្ចការ",
    "ខ្ញុំត្រូវធ្វើរបាយការណ៍",
    "(knhom|khnhom|knom|khnom) trov (tver|twer|tvee) (bot bongheanh|presentation|kech kar|rapaykar|report)",
    "(knhom|khnhom|knom|khnom) trov (ponyol|ponyul|ponyal|sorse|sarse|sosse|riep chom|riepchom|bongrien|bangrien|deng)",
    "i (have|need) to (present|explain|write|prepare|teach)",
)

# A time that is near: with any danger reading, the case is urgent (the immediacy words of
# nlu.safety, "now", "tonight", count too).
# Round 27: a time well past ("in 2015", "years ago", "last year", កាលពីឆ្នាំ...): beside self-harm words
# that neither model reads as danger at all, a death long ago asked about ("my father took his life in
# 2015: does that change the inheritance?") rather than a person at risk now (`decide`).
_PAST_TIME = (
    "កាលពីឆ្នាំ",
    "ឆ្នាំមុន",
    "ឆ្នាំកន្លងទៅ",
    "ឆ្នាំ១៩",
    "ឆ្នាំ២០០",
    "ឆ្នាំ២០១",
    "(in|since|back in) (19[0-9]{2}|200[0-9]|201[0-9])",
    "([0-9]+|two|three|four|five|six|seven|eight|nine|ten|many|several) years ago",
    "last year",
    "(kal pi|kalpi|kol pi) (chnam|chhnam)",
    "(chnam|chhnam) (mun|moun|kanlong tov|kon long tov)",
    "(chnam|chhnam) (19[0-9]{2}|200[0-9]|201[0-9])",
)

SOON = (
    # ninth round: rising flood water is danger now for anyone who cannot leave
    "ទឹកជំនន់កំពុងឡើង",
    "ទឹកជំនន់ឡើង",
    "ទឹកកំពុងឡើង",
    "ទឹកឡើង",
    "(tuk|teuk|tek|toek) (chumnun |chomnon |chumnon )?(kompung |kompong )?(lerng|laeng|leung|loeng)",
    "(flood|floods|flooding|water) (is |are )?(rising|coming up|getting higher)",
    "rising (flood|water)",
    "ថ្ងៃនេះ",
    "ស្អែក",
    "ព្រឹកនេះ",
    "ល្ងាចនេះ",
    "សប្តាហ៍នេះ",
    "អាទិត្យនេះ",
    "ថ្ងៃអាទិត្យ",
    "ថ្ងៃសុក្រ",
    "ឥឡូវ",
    "យប់នេះ",
    "កំពុង",
    "ម្តងទៀតហើយ",
    "ទៀតហើយ",
    "ចាំមុខផ្ទះ",
    "thngai nis",
    "tngai nis",
    "saek",
    "skaek",
    "pruk nis",
    "lngach nis",
    "sabdah nis",
    "atit nis",
    "thngai atit",
    "thngai sok",
    "ilov",
    "ey lov",
    "eylov",
    "ailov",
    "yub nis",
    "yub ney",
    "thngai ney",
    "atit ney",
    "kompung",
    # fifteenth round: "sa-ek" (tomorrow) written in two parts, "kampung" / "kom pung" (in the middle
    # of: "pdey knhom kampung vay", he is hitting me) as phones spell them
    "sa ek",
    "kampung",
    "kom pung",
    "tiet hoy",
    "tiet hz",
    "today",
    "tonight",
    "tomorrow",
    "this week",
    "this weekend",
    "this sunday",
    "on sunday",
    "by friday",
    "by monday",
    # a deadline by a weekday: "mun thngai chan" (before Monday), "before Friday"
    "mun (thngai|tngai) (chan|angkear|angkea|put|prohos|prohoas|sok|sau|sao|atit)",
    "(before|by) (monday|tuesday|wednesday|thursday|friday|saturday|sunday)",
    "by tomorrow",
    "right now",
    "now",
    "still inside",
    "waiting outside",
    "outside now",
    "again now",
    "again tonight",
    "since morning",
    "since this morning",
    "at the moment",
    # eighth round: every weekday (an interview on Thursday, a wedding on Saturday), tonight in a short
    # romanised spelling ("yb nis"), a deadline by an hour ("by 8pm", "before midnight", "មុនម៉ោង")
    # or within hours or days
    "ថ្ងៃចន្ទ",
    "ថ្ងៃអង្គារ",
    "ថ្ងៃពុធ",
    "ថ្ងៃព្រហស្បតិ៍",
    "ថ្ងៃសៅរ៍",
    "(thngai|tngai) (chan|angkear|angkea|put|prohos|prohoas|proheas|sau|sao|sou)",
    "(on|this|before|by|until|next) (monday|tuesday|wednesday|thursday|friday|saturday|sunday)",
    "(yb|yob|yup|yop) (nis|nih|ney|ni)",
    "មុនម៉ោង",
    "ត្រឹមម៉ោង",
    "អធ្រាត្រ",
    "(mun|trem|trim|truem) (maong|mong|moung|maung|meong)",
    "(by|before|until|at) ([0-9]{1,2}(:[0-9]{2})? ?(am|pm|h)|midnight|noon|[0-9]{1,2} ?o ?clock)",
    "(within|in) ([0-9]+|one|two|three|24|48|72) (hours|hrs|hour|days)",
    "ក្នុងពីរថ្ងៃ",
    "ក្នុងបីថ្ងៃ",
    "ក្នុង២ថ្ងៃ",
    "ក្នុង៣ថ្ងៃ",
    "ក្នុង២៤ម៉ោង",
)


@dataclass(frozen=True)
class Cues:
    """What the word lists found in one message."""

    signals: tuple[str, ...] = ()
    signal_categories: tuple[str, ...] = ()
    lowering: tuple[str, ...] = ()
    soon: bool = False  # a time that is near (SOON)
    # Harm done to the writer or their own people (_OWN_HARM) beside a law question, a sport or a
    # joke: these are about the writer's own situation and explain no danger word away (`decide`).
    own_situation: bool = False
    # A threat to the life of the writer or their own people (_LIFE_THREAT): only a joke explains it.
    threat_to_life: bool = False
    # Harm told to the writer or their own people (_OWN_HARM), whatever the context (round 19).
    harm_told: bool = False
    past: bool = False  # a time well past (_PAST_TIME, round 27)


@dataclass(frozen=True)
class _CompiledCues:
    signals: tuple[tuple[str, str, tuple[Any, ...]], ...]
    lowering: tuple[tuple[str, Any], ...]
    child: Any  # the _CHILD matcher: a stated age under 18 also counts as a child
    missing: Any  # the _MISSING matcher: with a stated age under 18, a child missing
    marry: Any  # the _BETROTHED matcher: with a stated age under 18, a child marriage
    soon: Any
    exceptions: Any
    signal_exceptions: Any
    workplace: Any
    procedure: Any
    first_person: Any
    first_person_exceptions: Any
    own_harm: Any
    life_threat: Any
    referral: Any
    harm_near: Any
    past: Any


@lru_cache(maxsize=1)
def _compiled() -> _CompiledCues:
    compiled: dict[tuple[str, ...], Any] = {}

    def matcher(group: tuple[str, ...]):
        if group not in compiled:
            compiled[group] = compile_terms(group)
        return compiled[group]

    return _CompiledCues(
        signals=tuple((name, cat, tuple(matcher(g) for g in groups)) for name, cat, groups in SIGNALS),
        lowering=tuple((name, compile_terms(terms)) for name, terms in LOWERING.items()),
        child=matcher(_CHILD),
        marry=matcher(_BETROTHED),
        missing=matcher(_MISSING),
        soon=compile_terms(SOON),
        exceptions=compile_terms(LOWERING_EXCEPTIONS),
        signal_exceptions=compile_terms(SIGNAL_EXCEPTIONS),
        workplace=compile_terms(_WORKPLACE),
        procedure=compile_terms(_PROCEDURE),
        first_person=compile_terms(_FIRST_PERSON),
        first_person_exceptions=compile_terms(_FIRST_PERSON_EXCEPTIONS),
        own_harm=compile_terms(_OWN_HARM),
        life_threat=compile_terms(_LIFE_THREAT),
        referral=compile_terms(_REFERRAL),
        harm_near=compile_terms(_HARM_NEAR),
        past=compile_terms(_PAST_TIME),
    )


def find_cues(text: str) -> Cues:
    """The threat-model signals and the lowering context in a message (any script)."""
    if not text:
        return Cues()
    c = _compiled()
    khmer, latin = matching_keys(text)
    signals, cats = [], []
    sig_khmer, sig_latin = _blank(c.signal_exceptions.khmer, khmer), _blank(c.signal_exceptions.latin, latin)
    minor = stated_minor(sig_latin, sig_khmer)
    for name, cat, groups in c.signals:
        if all(g.search(sig_khmer, sig_latin) or (minor and g is c.child) for g in groups):
            signals.append(name)
            cats.append(cat)
    if minor and "child_marriage" not in signals and c.marry.search(sig_khmer, sig_latin):
        # A child of a stated age engaged, promised or to be wed ("a girl of 15 engaged to a man of
        # 30", "a case of child marriage, the girl is 15"): a child at risk whoever reports it;
        # "can a 17-year-old marry?" is a question (`_BETROTHED`).
        signals.append("child_marriage")
        cats.append("child_at_risk")
    if minor and "child_missing" not in signals and c.missing.search(sig_khmer, sig_latin):
        signals.append("child_missing")
        cats.append("child_at_risk")
    low_khmer, low_latin = _blank(c.exceptions.khmer, khmer), _blank(c.exceptions.latin, latin)
    lowering = [name for name, m in c.lowering if m.search(low_khmer, low_latin)]
    if "asker_role" not in lowering and c.workplace.search(khmer, latin) and c.procedure.search(khmer, latin):
        lowering.append("asker_role")
    if "asker_role" in lowering:
        own_khmer = _blank(c.first_person_exceptions.khmer, khmer)
        own_latin = _blank(c.first_person_exceptions.latin, latin)
        if (
            c.first_person.search(own_khmer, own_latin)
            or _me_as_object(own_latin)
            or c.own_harm.search(own_khmer, own_latin)
        ):
            lowering.remove("asker_role")  # the writer's own situation, not a question asked in a role
    soon = bool(c.soon.search(khmer, latin))
    if c.referral.search(khmer, latin):
        lowering = [name for name in lowering if name not in _ASKING]
    if minor and soon:
        # A child of a stated age and a day that is near ("a 14-year-old's wedding on Saturday, I am
        # the commune focal point, what can we do before then?"): a report of a concrete child, not a
        # question asked in a role or about the law.
        lowering = [name for name in lowering if name not in _ASKING]
    own_harm_found = bool(c.own_harm.search(khmer, latin))
    harm_told = own_harm_found or bool(c.harm_near.search(khmer, latin))
    own_harm = bool(_OWN_HARM_UNEXPLAINS.intersection(lowering)) and own_harm_found
    life_threat = bool(lowering) and bool(c.life_threat.search(khmer, latin))
    return Cues(
        signals=tuple(signals),
        signal_categories=tuple(dict.fromkeys(cats)),
        lowering=tuple(lowering),
        soon=soon,
        own_situation=own_harm,
        threat_to_life=life_threat,
        harm_told=harm_told,
        past=bool(c.past.search(khmer, latin)),
    )


_TOKEN = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")


def _me_as_object(latin: str) -> bool:
    """A romanised "knhom" that is object or owner ("vay knhom", "bantob knhom"): right after a
    word that does not start a clause or a request, and not before "jea" (a role)."""
    tokens = _TOKEN.findall(latin)
    for i, tok in enumerate(tokens):
        if tok in _ME_WORDS and i > 0:
            before, after = tokens[i - 1], tokens[i + 1] if i + 1 < len(tokens) else ""
            if before.isalpha() and before not in _ME_NOT_OBJECT and after not in ("jea", "chea", "ja", "cha"):
                return True
    return False


def _blank(pattern: Any, text: str) -> str:
    return text if pattern is None else pattern.sub(lambda m: " " * len(m.group()), text)


# --- the danger model -----------------------------------------------------------------------------

MODEL_VERSION = "5"
# The danger model does not see the word list: it is the second, independent opinion that a danger
# word needs before it protects. (Trained with the word list as features it learnt "no danger word,
# no danger" and trusted a word the text explained: AUC on held-out set 2 0.959 with them, 0.988
# without.)
CUE_NAMES = (
    tuple(f"signal:{name}" for name, _, _ in SIGNALS) + tuple(f"lower:{name}" for name in LOWERING) + ("negated",)
)
_CUE_WEIGHT = 1.0


def cue_vector(danger: Danger, cues: Cues, negated: bool) -> list[float]:
    """The cue features of one message, in CUE_NAMES order (0 / 1, scaled); `danger` is accepted for
    the callers' convenience but the word list is no feature (see CUE_NAMES)."""
    on = {f"signal:{s}" for s in cues.signals}
    on |= {f"lower:{name}" for name in cues.lowering}
    if negated:
        on.add("negated")
    return [_CUE_WEIGHT if name in on else 0.0 for name in CUE_NAMES]


def _cues_of(text: str) -> list[float]:
    from nlu.safety import assess_danger, danger_negated

    danger = assess_danger(text)
    return cue_vector(danger, find_cues(text), bool(danger.categories) and danger_negated(text))


class DangerModel:
    """Danger / no danger: character n-grams (2–5, across scripts), word uni- and bigrams and the
    cue features, a linear SVM with sigmoid calibration (5-fold)."""

    def __init__(self, pipeline, key: str = "") -> None:
        self._vectorizer = pipeline[0]
        self._model = pipeline[1]
        self.key = key
        self._fast = _FastLinear.of(self._vectorizer, self._model)

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_fast"}  # rebuilt on load

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._fast = _FastLinear.of(self._vectorizer, self._model)

    @classmethod
    def train(cls, texts: list[str], labels: list[int], key: str = "") -> DangerModel:
        """Fit on messages labelled 1 (danger) or 0."""
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.svm import LinearSVC

        vectorizer = _vectorizer(len(texts))
        x = _features(vectorizer, texts, fit=True)
        model = CalibratedClassifierCV(
            LinearSVC(C=0.5, class_weight="balanced"), cv=5, method="sigmoid", ensemble=False
        )
        model.fit(x, labels)
        return cls((vectorizer, model), key)

    def probability(self, text: str, cues: list[float] | None = None) -> float:
        """Calibrated probability that the message tells of danger to someone."""
        if cues is None:
            cues = _cues_of(text)
        return self._fast.probability(_prepare(text), cues)

    def probability_sklearn(self, text: str, cues: list[float] | None = None) -> float:
        """The same through scikit-learn's own predict_proba (slower: its input checks cost
        milliseconds a call); the tests hold `probability` to it."""
        x = _features(self._vectorizer, [text], cues=[cues] if cues is not None else None)
        return float(self._model.predict_proba(x)[0][1])

    @classmethod
    def default(cls) -> DangerModel:
        """The model trained on `nlu/data/*.yml`, built (or loaded from its cache) once per process."""
        return _default_model()


@dataclass(frozen=True)
class _FastLinear:
    """TF-IDF (sublinear tf, l2 norm) -> linear SVM -> sigmoid calibration, computed directly:
    the same numbers as the fitted scikit-learn objects without their per-call input checks."""

    analyzer: Any
    vocabulary: dict
    idf: Any  # numpy array
    coef_text: Any  # numpy array
    coef_cues: Any  # numpy array
    intercept: float
    a: float
    b: float

    @classmethod
    def of(cls, vectorizer, model) -> _FastLinear:
        calibrated = model.calibrated_classifiers_[0]
        svm, sigmoid = calibrated.estimator, calibrated.calibrators[0]
        coef = svm.coef_[0]
        n = len(vectorizer.vocabulary_)
        return cls(
            vectorizer.build_analyzer(),
            vectorizer.vocabulary_,
            vectorizer.idf_,
            coef[:n],
            coef[n:],
            float(svm.intercept_[0]),
            float(sigmoid.a_),
            float(sigmoid.b_),
        )

    def probability(self, prepared: str, cues: list[float]) -> float:
        import math

        counts: dict[int, int] = {}
        for gram in self.analyzer(prepared):
            j = self.vocabulary.get(gram)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        score = self.intercept + sum(c * w for c, w in zip(cues, self.coef_cues))
        if counts:
            weights = {j: (1.0 + math.log(c)) * float(self.idf[j]) for j, c in counts.items()}
            norm = math.sqrt(sum(w * w for w in weights.values()))
            score += sum(w * float(self.coef_text[j]) for j, w in weights.items()) / norm
        return 1.0 / (1.0 + math.exp(self.a * score + self.b))


def _vectorizer(n_messages: int = 0):
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    from nlu.embedded import min_df

    # Character 2–5-grams across word boundaries: they carry word pairs in Latin text ("hit me",
    # "not safe", "ot oy") and need no Khmer word segmentation, the costly step of the intent
    # classifier's features, so the danger model adds little to each message's time.
    # An n-gram must occur in two messages once the corpus is large (nlu.embedded.MIN_DF_FROM).
    return TfidfVectorizer(
        analyzer="char",
        ngram_range=(2, 5),
        sublinear_tf=True,
        lowercase=False,
        min_df=min_df(n_messages),
        dtype=np.float32,
    )


def _prepare(text: str) -> str:
    from nlu.khmer import normalize

    return normalize(text[:1000]).lower()


def _features(vectorizer, texts: list[str], fit: bool = False, cues: list[list[float]] | None = None):
    import numpy as np
    from scipy.sparse import csr_matrix, hstack

    prepared = [_prepare(t) for t in texts]
    x = vectorizer.fit_transform(prepared) if fit else vectorizer.transform(prepared)
    c = np.asarray(cues if cues is not None else [_cues_of(t) for t in texts], dtype=np.float32)
    return hstack([x, csr_matrix(c)], format="csr")


CACHE_DIR = Path(__file__).resolve().parent.parent / "var" / "cache"


def _cache_key(paths: list[Path]) -> str:
    import hashlib
    import sys

    import sklearn

    from nlu.training import fingerprint

    here = Path(__file__).parent
    safety_src = b"".join((here / name).read_bytes() for name in ("safety.py", "romanise.py", "triage.py"))
    extra = f"{MODEL_VERSION}|{sklearn.__version__}|{sys.version_info[:2]}".encode() + safety_src
    return fingerprint(paths)[:24] + "-" + hashlib.sha256(extra).hexdigest()[:8]


def _read_cache(path: Path, key: str) -> DangerModel | None:
    if not path.exists():
        return None
    try:
        with path.open("rb") as fh:
            model = pickle.load(fh)  # our own file under the repository's var/ directory
    except Exception as exc:  # a corrupt or incompatible cache is rebuilt, never fatal
        log.warning("ignoring unreadable danger model cache (%s)", exc.__class__.__name__)
        return None
    return model if isinstance(model, DangerModel) and model.key == key else None


def _write_cache(cache_dir: Path, key: str, model: DangerModel, prefix: str = "nlu_danger_") -> None:
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
        target = cache_dir / f"{prefix}{key}.pkl"
        os.replace(tmp, target)
        for old in cache_dir.glob(f"{prefix}*.pkl"):
            if old != target:
                old.unlink(missing_ok=True)
    except OSError as exc:  # a read-only checkout still works, it just trains every start
        log.warning("could not cache the %s model (%s)", prefix.strip("_"), exc.__class__.__name__)


def training_set(paths: list[Path] | None = None) -> tuple[list[str], list[int]]:
    """Every labelled training message, 1 for victim_protection, else 0."""
    from nlu.training import load_training_data

    examples = load_training_data(paths)
    return [e.text for e in examples], [int(e.intent == Intent.VICTIM_PROTECTION.value) for e in examples]


MIN_PER_LABEL = 5  # fewer examples of either label (danger / not, urgent / not) teach nothing: no model


def load_model(paths: list[Path] | None = None, cache_dir: Path | None = CACHE_DIR) -> DangerModel:
    """The danger model for these training files (by default `nlu.training.danger_training_files`:
    not the ordinary-messages-only ones), from the cache or freshly trained."""
    from nlu.training import TrainingDataError, danger_training_files

    paths = danger_training_files() if paths is None else paths
    model = _cached_or_trained(paths, cache_dir, "nlu_danger_", training_set)
    if model is None:
        raise TrainingDataError(f"the danger model needs at least {MIN_PER_LABEL} victims and non-victims")
    return model


def _cached_or_trained(
    paths: list[Path],
    cache_dir: Path | None,
    prefix: str,
    labelled: Callable[[list[Path]], tuple[list[str], list[int]]],
) -> DangerModel | None:
    """A model of the `DangerModel` make for these files: from `cache_dir/<prefix><key>.pkl` when the
    files, the rules and the versions are unchanged (the files are then not even parsed), else
    trained on `labelled(paths)` and cached; None when there are too few of either label to learn."""
    key = _cache_key(paths)
    if cache_dir is not None:
        cached = _read_cache(cache_dir / f"{prefix}{key}.pkl", key)
        if cached is not None:
            return cached
    texts, labels = labelled(paths)
    if min(labels.count(0), labels.count(1)) < MIN_PER_LABEL:
        return None
    started = time.perf_counter()
    model = DangerModel.train(texts, labels, key)
    log.info("%s model trained on %d messages in %.2f s", prefix.strip("_"), len(texts), time.perf_counter() - started)
    if cache_dir is not None:
        _write_cache(cache_dir, key, model, prefix=prefix)
    return model


@lru_cache(maxsize=1)
def _default_model() -> DangerModel:
    return load_model()


# --- the urgency model ------------------------------------------------------------------------------
# Round 15 of issue 14. The urgent flag followed words and signals only ("tonight", a weapon, a
# child), so a victim who tells the time only by implication ("they are outside again", "she has
# not eaten since Sunday") or in a spelling the list lacks went unflagged (set 16: 0.944 of urgent
# victims flagged, the misses romanised and code-switched). A second model of the danger model's
# make (the same features, cues included) learns urgent against not urgent from victims only
# (`nlu/urgency/*.yml`: written fresh, each message marked), and a message the triage protects or
# asks about is urgent when the rules say so *or* this model reads URGENT_MODEL or more.
# Round 26: the flag had become the rule (nine in ten victims who were not in danger now were flagged,
# because a child, a word of threat or weapon, sexual abuse, trafficking, or the models protecting on
# their own all presumed it), so it told a caseworker nothing. The model now also learns from the
# victims of the trained evaluation sets (5,000 more, each marked urgent or not by its writer), and
# where it is loaded it decides alone what the rules presumed; the rules still flag a goodbye at a
# bridge or a river, a person chained or shut in without food, and a near time ("tonight", "by
# Friday"). With sets 2-20 learnt and sets 21-29 measured, urgent victims flagged 928 -> 925 of 928,
# victims not in danger now flagged 797 -> 254 of 854 (README, "Twenty-sixth round"). Without the
# model (it failed to load) the rules presume as before.
URGENCY_DIR = Path(__file__).resolve().parent / "urgency"
URGENT_MODEL = 0.3


def urgency_files(directory: Path | None = None) -> list[Path]:
    """The urgency training files: `nlu/urgency/*.yml` (or `directory`'s), and by default (no
    directory given) the trained evaluation sets' files too (their victims, marked urgent or not)."""
    from nlu.training_sets import trained_eval_files

    yaml_files = sorted(p for p in (directory or URGENCY_DIR).glob("*.yml") if p.is_file())
    return yaml_files if directory is not None else yaml_files + trained_eval_files()


def urgency_training_set(paths: list[Path] | None = None) -> tuple[list[str], list[int]]:
    """Every victim of the urgency files, 1 for urgent, 0 for not urgent. A YAML file is a
    mapping with the lists `urgent` and `not_urgent` of one-line messages; an evaluation set's
    JSON lines file gives its victims whose `urgent` is marked."""
    import yaml

    from nlu.training import TrainingDataError, load_heldout

    texts: list[str] = []
    labels: list[int] = []
    for path in urgency_files() if paths is None else paths:
        if path.suffix == ".jsonl":
            for ex in load_heldout([path]):
                if ex.intent == Intent.VICTIM_PROTECTION.value and ex.urgent is not None:
                    texts.append(ex.text)
                    labels.append(int(ex.urgent))
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict) or set(data) - {"urgent", "not_urgent"}:
            raise TrainingDataError(f"{path.name}: expected the lists 'urgent' and 'not_urgent'")
        for label, key in ((1, "urgent"), (0, "not_urgent")):
            for item in data.get(key) or []:
                text = str(item).strip()
                if text:
                    texts.append(text)
                    labels.append(label)
    return texts, labels


def load_urgency_model(paths: list[Path] | None = None, cache_dir: Path | None = CACHE_DIR) -> DangerModel | None:
    """The urgency model (a `DangerModel` trained on urgent / not urgent victims), from the cache
    or freshly trained; None when there is nothing to learn from (both kinds are needed)."""
    paths = urgency_files() if paths is None else paths
    return _cached_or_trained(paths, cache_dir, "nlu_urgency_", urgency_training_set)


@lru_cache(maxsize=1)
def default_urgency_model() -> DangerModel | None:
    """The urgency model of `nlu/urgency/*.yml`, built (or loaded from its cache) once per process."""
    return load_urgency_model()


# --- the decision ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Triage:
    """The safety outcome of one message."""

    safety: str  # PROTECT | ASK | NONE
    reasons: tuple[str, ...]
    urgent: bool
    categories: tuple[str, ...]


def victim_probability(score: IntentScore) -> float:
    """The classifier's probability of victim_protection (its confidence when it is the best
    intent and the ranking does not say)."""
    for label, p in score.ranking:
        if label == Intent.VICTIM_PROTECTION.value:
            return float(p)
    return float(score.confidence) if score.intent == Intent.VICTIM_PROTECTION.value else 0.0


def decide(
    danger: Danger,
    cues: Cues,
    negated: bool,
    p_model: float | None,
    p_classifier: float,
    classifier_intent: str,
    classifier_confidence: float,
    urgency: Callable[[], float | None] | None = None,
) -> Triage:
    """protect / ask / none from the evidence; reasons name it.

    `urgency`, when given, reads the urgency model's probability; it is called only for a message
    the rules protect or ask about but do not already flag urgent.

    Two agreeing signals protect: a danger word or a threat-model signal *and* the models (their
    mean probability `m` at least WORD_PROTECT / SIGNAL_PROTECT), with no context that lowers it;
    or both models together (m >= AGREE, each >= AGREE_EACH). A danger word alone is never enough:
    "how do I kill ants" and "stabbed me in the back" are asked about at most. Words or signals
    that the context, a denial or a confident other reading explain, with m below
    EXPLAINED_BELOW, are nothing; any other word, signal or model reading asks.
    """
    reasons: list[str] = [f"word:{c}" for c in danger.categories]
    reasons += [f"signal:{s}" for s in cues.signals]
    reasons += [f"lower:{name}" for name in cues.lowering]
    if negated:
        reasons.append("negated")
    # Without a danger model (it failed to load) the classifier alone weighs the evidence.
    p = p_classifier if p_model is None else p_model
    m = (p + p_classifier) / 2
    reasons.append(f"danger_model:{p:.2f}" if p_model is not None else "danger_model:none")
    reasons.append(f"classifier_victim:{p_classifier:.2f}")
    categories = tuple(c for c in CATEGORIES if c in set(danger.categories) | set(cues.signal_categories))
    words = bool(danger.categories)
    # A thing hit (a vehicle, an animal, the weather, an object) or noise explains the words of
    # violence it is meant for ("a tuk tuk hit my moto", "the dog killed my chickens", "the karaoke
    # is killing us"), with the child such a message may name; never trafficking, sexual abuse or
    # forced labour ("trafficked... on a plantation", "sold to a karaoke bar"), and never a child at
    # risk named without a word of violence or threat ("the rice is finished, the oldest is 7").
    word_lowering = set(cues.lowering)
    if set(danger.categories) - _THING_EXPLAINS or not set(danger.categories) & _THING_HIT:
        word_lowering -= _THINGS
    # "Nobody was hurt", "only a quarrel", "the violence is over" explain a word of violence (with
    # the child such a message may name: "child support"), never a threat, abuse or trafficking.
    if set(danger.categories) - _NO_HARM_EXPLAINS or "violence" not in danger.categories:
        word_lowering.discard("no_harm")
    if cues.threat_to_life:  # "he put pesticide in my food to kill me": only a joke explains it,
        # or a past era ("under Pol Pot they killed my father": no threat to anyone's life now)
        word_lowering &= {"idiom", "history"}
    lowered = bool(word_lowering)
    # A law question, a sport or a joke beside harm to the writer or their own people ("my husband
    # beats me, what does the law say?", "the football coach beats my son") keeps a danger word from
    # protecting on its own, but never explains it away: such a message is asked about at least.
    explaining = bool(word_lowering - (_OWN_HARM_UNEXPLAINS if cues.own_situation else set()))
    # The asker's role or a question about the law explains a danger word ("I am a teacher: is
    # hitting a pupil legal?"), not a threat-model signal: that tells of someone's situation ("I
    # work for an NGO: an old man was left without food"); nor does a thing ("your house is old
    # and catches fire easily if you do not pay").
    signal_lowered = bool(
        set(cues.lowering) - _ASKING - _THINGS - {"no_harm"} - (_OWN_HARM_UNEXPLAINS if cues.own_situation else set())
    )
    soon = cues.soon
    victim_read = classifier_intent == Intent.VICTIM_PROTECTION.value
    other_confident = classifier_intent != Intent.VICTIM_PROTECTION.value and classifier_confidence >= OTHER_READING

    def out(safety: str, why: str) -> Triage:
        # Urgent: someone may be in danger now — a caseworker calls at once. Always: a goodbye at a
        # danger place or in despair, a person chained or shut in without food (the urgent signals),
        # a time that is near ("tonight", "by Friday", "ស្អែក"). Without the urgency model the rules
        # also presume it for a danger word that says so (a threat to kill, a weapon, "now"), a child,
        # sexual abuse or someone held (trafficking, confinement, work abroad with contact stopped),
        # and a danger that the models alone protect. With the model, the model decides those
        # (round 26, above URGENT_MODEL: the presumptions flagged nine in ten victims not in danger now).
        models_alone = safety == PROTECT and not words and m >= AGREE and min(p, p_classifier) >= AGREE_EACH
        presumed = (
            danger.urgent
            or bool(set(categories) & _URGENT_SIGNALS)
            or (not categories and safety == PROTECT)
            or models_alone
        )
        # A person who says they want to end their life and is protected for it is urgent by rule: the
        # models read short messages of self-harm as nothing ("ខ្ញុំចង់ស្លាប់": 0.00), which is why
        # the self-harm words protect on their own, and the urgency model learnt few of them.
        self_harm_now = safety == PROTECT and "self_harm" in danger.categories
        urgent = safety != NONE and (bool(set(cues.signals) & _URGENT_SIGNAL_NAMES) or soon or self_harm_now)
        if safety != NONE and not urgent:
            p_urgent = urgency() if urgency is not None else None
            if p_urgent is None:  # no urgency model (or it failed): the rules presume
                urgent = presumed
            elif p_urgent >= URGENT_MODEL:
                urgent = True
                reasons.append(f"urgency_model:{p_urgent:.2f}")
        if soon and safety != NONE:
            reasons.append("soon")
        return Triage(safety, tuple(reasons + [why]), urgent, categories if safety != NONE else ())

    # Round 11: a person who says they want to die or to end their life is protected at once,
    # whatever the models read ("kgnom chong slab hoy": four words teach a model nothing); a law
    # question, a film, a joke or a denial still explains the words ("is suicide a crime?").
    # Round 16: told in the first person ("i want to die, is it a crime to kill myself?"), neither a
    # law question nor the asker's role explains the words: only a film, a joke or a denial does.
    self_harm_lowered = bool(word_lowering - _ASKING) if cues.own_situation else lowered
    if "self_harm" in danger.categories and not self_harm_lowered and not negated:
        # Round 27: told of a time well past, with neither model reading any danger at all and no
        # goodbye or despair signal, the words are asked about, never dropped ("my father took his
        # life in 2015: does that change the inheritance?" was protected at once on set 30).
        if cues.past and not cues.signals and p_model is not None and max(p_model, p_classifier) < QUIET_MODEL:
            return out(ASK, "self-harm words told of the past, models read no danger")
        return out(PROTECT, "self-harm words")
    if words and not lowered and not negated and m >= WORD_PROTECT:
        return out(PROTECT, "danger words, models agree")
    if set(danger.categories) & _GRAVE and not lowered and not negated and m >= GRAVE_WORD_PROTECT:
        return out(PROTECT, "sexual abuse or trafficking words, models agree")
    if cues.signals and not signal_lowered and m >= SIGNAL_PROTECT:
        return out(PROTECT, "threat-model signal, models agree")
    if m >= AGREE and min(p, p_classifier) >= AGREE_EACH:
        return out(PROTECT, "models agree on danger")
    # A threat to kill, a weapon or "now" (danger.urgent) is never explained away by the classifier's
    # other reading alone: only by the context or a denial.
    # Nor does a confident legal reading explain away harm to the writer told beside a law question.
    explained = explaining or negated or (other_confident and not danger.urgent and not cues.own_situation)
    # The classifier's confident other reading explains a danger word, not a threat-model signal:
    # a signal is a pattern of the threat model the classifier may not have learnt (Rasa read a
    # deceptive job offer to a 17-year-old as a dispute at 0.8).
    signals_explained = signal_lowered or negated
    if negated and p < EXPLAINED_BELOW and not cues.signals:
        # The classifier reads "he never hit me" as violence; the danger model knows the denial.
        return out(NONE, "every danger word denied")
    if (words or cues.signals) and explaining and (signal_lowered or not cues.signals) and p < CONTEXT_EXPLAINS:
        # The context explains the words ("my wife will kill me lol", "the storm hit our roof") and
        # the danger model, which sees that context, reads no danger: a protection reading of the
        # classifier alone does not make it a question.
        return out(NONE, "danger words explained by the context")
    if (
        (words or cues.signals)
        and m < EXPLAINED_BELOW
        and (explained or not words)
        and (signals_explained or not cues.signals)
    ):
        return out(NONE, "danger words explained by the context" if not negated else "every danger word denied")
    if (
        words
        and not cues.signals
        and not victim_read
        and p_model is not None
        and p_model < QUIET_MODEL
        and not cues.threat_to_life
        and not cues.harm_told
        and not negated
    ):
        return out(NONE, "danger words the danger model reads as no danger")
    if (
        words
        or cues.signals
        or victim_read
        or m >= ASK_MEAN
        or max(p, p_classifier) >= ASK_EITHER
        or (p_model is not None and p_model >= ASK_MODEL)
    ):
        return out(ASK, "weak or conflicting signal")
    return out(NONE, "no danger")


_URGENT_SIGNALS = frozenset({"trafficking", "child_at_risk", "sexual_abuse"})
# Signals urgent whatever their category: a goodbye message naming a bridge or a river, a person
# chained or shut away because of an illness or a disability, or shut in without food (nobody
# comes to let them out).
_URGENT_SIGNAL_NAMES = frozenset(
    {
        "farewell_at_danger_place",
        "farewell_in_despair",
        "despair_with_means",
        "disabled_confined",
        "shut_in_without_food",
    }
)
_ASKING = frozenset({"asker_role", "law_question"})
_GRAVE = frozenset({"sexual_abuse", "trafficking"})
# A past era (killings under the Khmer Rouge) explains what a thing explains.
_THINGS = frozenset({"vehicle", "animal", "weather", "object", "noise", "work_accident", "history"})
_NO_HARM_EXPLAINS = frozenset({"violence", "child_at_risk"})
_THING_EXPLAINS = frozenset({"violence", "threat", "child_at_risk"})
_THING_HIT = frozenset({"violence", "threat"})  # what a thing can be the object of
# Context that explains nothing beside harm told to the writer or their own people (`_OWN_HARM`).
# "Nobody was hurt" beside "he beats me" is no denial either.
_OWN_HARM_UNEXPLAINS = frozenset({"law_question", "entertainment", "idiom", "no_harm"})
