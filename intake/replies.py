"""Every text the service sends, in Khmer and English.

Replies to citizens are SMS-sized (tests list each template's segments in each language). No
template that can reach a citizen's phone after the first reply names violence, abuse or the
nature of a case: someone else may read a shared phone.
"""

from __future__ import annotations

from datetime import datetime

from intake import callbacks
from intake.model import Case, CaseKind
from intake.policy import Policy

TEMPLATES: dict[str, dict[str, str]] = {
    "help": {
        "en": "Justice line: tell us your problem and your district and province, or ask a legal question. "
        "In danger call Police 117. Reply STOP to end.",
        "km": "សេវាយុត្តិធម៌៖ សូមប្រាប់បញ្ហារបស់អ្នក និងស្រុក ខេត្តដែលអ្នករស់នៅ។ គ្រោះថ្នាក់ ហៅប៉ូលិស 117។",
    },
    "ask_location": {
        "en": "Which district and province do you live in? For example: Sangkae, Battambang.",
        "km": "តើអ្នករស់នៅស្រុក និងខេត្តណា? ឧទាហរណ៍៖ ស្រុកសង្កែ ខេត្តបាត់ដំបង។",
    },
    "ask_district": {
        "en": "Which district (srok, krong or khan) of {province}?",
        "km": "នៅស្រុក ក្រុង ឬខណ្ឌណា នៃ{province}?",
    },
    "ask_which_place": {
        "en": "Several places have that name: {choices}. Reply with the number.",
        "km": "មានទីកន្លែងច្រើនឈ្មោះនេះ៖ {choices}។ សូមឆ្លើយលេខ។",
    },
    "dispute_opened": {
        "en": "Your case number is {ref}. {office} will contact you about mediation. It is free and voluntary.",
        "km": "លេខករណីរបស់អ្នក {ref}។ {office} នឹងទាក់ទងអ្នកអំពីការសម្រុះសម្រួល។ ឥតគិតថ្លៃ។",
    },
    "no_office": {
        "en": "Your case number is {ref}. We will find the right office and contact you.",
        "km": "លេខករណីរបស់អ្នក {ref}។ យើងនឹងរកការិយាល័យត្រឹមត្រូវ ហើយទាក់ទងអ្នក។",
    },
    # The first answer to someone at risk: safety first, nothing that names the harm.
    "protection_safety": {
        "en": "You are not alone. In danger now: call Police 117 (free). Children: 1280. "
        "Where are you? Reply with your district and province.",
        "km": "អ្នកមិននៅម្នាក់ឯងទេ។ គ្រោះថ្នាក់ ហៅ 117 (ឥតគិតថ្លៃ)។ កុមារ 1280។ អ្នកនៅស្រុក ខេត្តណា?",
    },
    "protection_opened": {
        "en": "Reference {ref}. {office} has been told and will contact you. In danger now: call 117. Children: 1280.",
        "km": "លេខយោង {ref}។ {office} បានទទួលដំណឹង ហើយនឹងទាក់ទងអ្នក។ គ្រោះថ្នាក់ ហៅ 117។ កុមារ 1280។",
    },
    # Nobody at the office is linked yet: never claim that someone was told.
    "protection_opened_untold": {
        "en": "Reference {ref}. A caseworker will contact you. In danger now: call 117. Children: 1280.",
        "km": "លេខយោង {ref}។ មន្ត្រីទទួលបន្ទុកនឹងទាក់ទងអ្នក។ គ្រោះថ្នាក់ ហៅ 117។ កុមារ 1280។",
    },
    "ask_details": {
        "en": "Who is the dispute with (how are they related to you), and what would you like to happen?",
        "km": "អ្នកមានវិវាទជាមួយអ្នកណា (ត្រូវជាអ្វីនឹងអ្នក)? ហើយអ្នកចង់បានដំណោះស្រាយអ្វី?",
    },
    "ask_wants": {
        "en": "What would you like to happen? For example: the boundary restored, the debt repaid.",
        "km": "តើអ្នកចង់បានដំណោះស្រាយអ្វី? ឧ. ដាក់ព្រំដីវិញ សងបំណុល។",
    },
    "ask_consent": {
        "en": "May we share your case with the Justice Service Centre, and may they call you on this number? "
        "Reply 1 yes, 2 no.",
        "km": "យើងអាចបញ្ជូនករណីទៅមជ្ឈមណ្ឌលសេវាយុត្តិធម៌ ហើយឱ្យគេទូរស័ព្ទមកលេខនេះបានទេ? ១ បាន ២ ទេ",
    },
    "consent_declined": {
        "en": "We have not shared anything. You can go to the Justice Service Centre yourself, or write again.",
        "km": "យើងមិនបានបញ្ជូនអ្វីទេ។ អ្នកអាចទៅមជ្ឈមណ្ឌលសេវាយុត្តិធម៌ដោយខ្លួនឯង ឬសរសេរមកម្តងទៀត។",
    },
    "cancelled": {
        "en": "OK, we have stopped that request. Tell us your problem again when you are ready.",
        "km": "យល់ព្រម យើងបានបញ្ឈប់សំណើនោះ។ សូមប្រាប់បញ្ហាម្តងទៀតពេលអ្នករួចរាល់។",
    },
    "language_set": {
        "en": "We will write to you in English. Send LANG KM for Khmer.",
        "km": "យើងនឹងសរសេរជាភាសាខ្មែរ។ ផ្ញើ LANG EN សម្រាប់ភាសាអង់គ្លេស។",
    },
    "ask_resume": {
        "en": "Welcome back. Reply 1 to continue your earlier request, or 2 to start again.",
        "km": "សូមស្វាគមន៍។ ផ្ញើ ១ ដើម្បីបន្តសំណើមុន ឬ ២ ដើម្បីចាប់ផ្តើមថ្មី។",
    },
    # The safety question (one SMS: 1 segment in English, 2 in Khmer), hotlines in Latin digits.
    "ask_safety": {
        "en": "Is anyone hurting you, or are you in danger now? Reply 1 yes, 2 no. Police 117, child helpline 1280 (free).",
        "km": "មាននរណាធ្វើបាបអ្នក ឬអ្នកមានគ្រោះថ្នាក់ឥឡូវនេះទេ? ឆ្លើយ ១ បាទ/ចាស ២ ទេ។ ប៉ូលិស 117 កុមារ 1280 (ឥតគិតថ្លៃ)",
    },
    "safety_yes_button": {"en": "1 Yes", "km": "១ បាទ/ចាស"},
    "safety_no_button": {"en": "2 No", "km": "២ ទេ"},
    "ask_safe_contact": {
        "en": "Is it safe for us to text this phone? Reply 1 yes, 2 no, 3 only 8am-5pm.",
        "km": "ផ្ញើសារមកទូរស័ព្ទនេះមានសុវត្ថិភាពទេ? ១ បាន ២ ទេ ៣ តែម៉ោង៨-៥",
    },
    "safe_day": {
        "en": "Thank you. We will text you first only between 8am and 5pm. In danger call 117.",
        "km": "អរគុណ។ យើងនឹងផ្ញើសារមុន តែពីម៉ោង៨ដល់៥ល្ងាច។ គ្រោះថ្នាក់ ហៅ 117។",
    },
    "safe_yes": {
        "en": "Thank you. Keep your reference number. In danger call 117.",
        "km": "អរគុណ។ សូមរក្សាលេខយោង។ គ្រោះថ្នាក់ ហៅ 117។",
    },
    "safe_no": {
        "en": "We will not text you first. The office may call. In danger call 117.",
        "km": "យើងនឹងមិនផ្ញើសារមុនទេ។ ការិយាល័យអាចទូរស័ព្ទ។ គ្រោះថ្នាក់ ហៅ 117។",
    },
    "added_to_case": {
        "en": "Thank you. We added this to your case {ref}; the office has been told.",
        "km": "អរគុណ។ បានបន្ថែមទៅករណី {ref} ហើយការិយាល័យបានទទួលដំណឹង។",
    },
    "added_to_case_untold": {
        "en": "Thank you. We added this to your case {ref}; a caseworker will contact you.",
        "km": "អរគុណ។ បានបន្ថែមទៅករណី {ref}។ មន្ត្រីទទួលបន្ទុកនឹងទាក់ទងអ្នក។",
    },
    "check_in_help_untold": {
        "en": "A caseworker will contact you. In danger call 117.",
        "km": "មន្ត្រីទទួលបន្ទុកនឹងទាក់ទងអ្នក។ គ្រោះថ្នាក់ ហៅ 117។",
    },
    # The case moved to another office because nobody accepted it in time.
    "case_moved": {
        "en": "Case {ref}: your case is now with {office}, who will contact you.",
        "km": "ករណី {ref}៖ ករណីរបស់អ្នកឥឡូវនៅ {office} ហើយគេនឹងទាក់ទងអ្នក។",
    },
    # The same for a protection case: names nothing (someone else may read the phone).
    "case_moved_discreet": {
        "en": "Reference {ref}: someone else from our service will contact you. In danger call 117.",
        "km": "លេខយោង {ref}៖ មន្ត្រីម្នាក់ទៀតនឹងទាក់ទងអ្នក។ គ្រោះថ្នាក់ ហៅ 117។",
    },
    # What an office may send to a person at risk: discreet, signed by nobody in particular.
    "discreet_call_back": {
        "en": "Hello, this is the support service. Please call us back when it is safe: {phone}.",
        "km": "សួស្តី នេះជាសេវាគាំទ្រ។ សូមទូរស័ព្ទមកវិញពេលមានសុវត្ថិភាព៖ {phone}។",
    },
    "discreet_good_time": {
        "en": "Hello, this is the support service. When is a good time to call you? Reply with a time.",
        "km": "សួស្តី នេះជាសេវាគាំទ្រ។ ពេលណាល្អសម្រាប់ទូរស័ព្ទទៅអ្នក? សូមឆ្លើយតបម៉ោង។",
    },
    "discreet_are_you_ok": {
        "en": "Hello, this is the support service. How are you? Reply any time.",
        "km": "សួស្តី នេះជាសេវាគាំទ្រ។ សុខសប្បាយទេ? អាចឆ្លើយតបបានគ្រប់ពេល។",
    },
    "ask_problem": {
        "en": "Tell us your problem in a few words, who it is with, and your district and province.",
        "km": "សូមប្រាប់បញ្ហារបស់អ្នក ជាមួយអ្នកណា និងស្រុក ខេត្តដែលអ្នករស់នៅ។",
    },
    "open_case_button": {"en": "Open a case", "km": "ដាក់ពាក្យ"},
    "safety_line": {
        "en": "In danger: Police 117, children 1280 (free).",
        "km": "គ្រោះថ្នាក់៖ ប៉ូលិស 117 កុមារ 1280 (ឥតគិតថ្លៃ)។",
    },
    "appointment": {
        "en": "Case {ref}: mediation on {when} at {place}. Reply 1 I will come, 2 I cannot come.",
        "km": "ករណី {ref}៖ ការសម្រុះសម្រួល {when} នៅ{place}។ ១ ខ្ញុំនឹងមក ២ ខ្ញុំមិនអាចមក",
    },
    "appointment_moved": {
        "en": "Case {ref}: NEW time for mediation: {when} at {place}. Reply 1 I will come, 2 I cannot come.",
        "km": "ករណី {ref}៖ ម៉ោងថ្មី {when} នៅ{place}។ ១ ខ្ញុំនឹងមក ២ ខ្ញុំមិនអាចមក",
    },
    "appointment_cancelled": {
        "en": "Case {ref}: the session on {when} is cancelled. The office will contact you.",
        "km": "ករណី {ref}៖ ការជួបថ្ងៃ {when} ត្រូវបានលុបចោល។ ការិយាល័យនឹងទាក់ទងអ្នក។",
    },
    "invitation": {
        "en": "{office} invites you to a mediation session (case {ref}) on {when} at {place}. "
        "Mediation is voluntary and free. Reply 1 I will come, 2 I cannot come.",
        "km": "{office} សូមអញ្ជើញអ្នកចូលរួមការសម្រុះសម្រួល (ករណី {ref}) {when} នៅ{place}។ ស្ម័គ្រចិត្ត ឥតគិតថ្លៃ។",
    },
    "reminder": {
        "en": "Reminder, case {ref}: mediation {when} at {place}.",
        "km": "រំលឹក ករណី {ref}៖ ការសម្រុះសម្រួល {when} នៅ{place}។",
    },
    "will_come": {
        "en": "Thank you. The office knows you will come.",
        "km": "អរគុណ។ ការិយាល័យដឹងថាអ្នកនឹងមក។",
    },
    "cannot_come": {
        "en": "Thank you. The office will contact you to find another time.",
        "km": "អរគុណ។ ការិយាល័យនឹងទាក់ទងអ្នកដើម្បីរកពេលផ្សេង។",
    },
    "follow_up": {
        "en": "Case {ref}: was your dispute settled? Reply 1 yes, 2 no.",
        "km": "ករណី {ref}៖ តើវិវាទរបស់អ្នកត្រូវបានដោះស្រាយទេ? ១ បាទ/ចាស ២ ទេ",
    },
    "thanks_follow_up": {
        "en": "Thank you for telling us.",
        "km": "អរគុណដែលបានប្រាប់យើង។",
    },
    # Discreet: someone else may read it.
    "check_in": {
        "en": "Hello, this is the support service. How are you? Reply 1 all right, 2 I need help.",
        "km": "សួស្តី នេះជាសេវាគាំទ្រ។ សុខសប្បាយទេ? ១ សុខសប្បាយ ២ ត្រូវការជំនួយ",
    },
    "check_in_ok": {
        "en": "Thank you. Write any time.",
        "km": "អរគុណ។ អាចសរសេរមកបានគ្រប់ពេល។",
    },
    "check_in_help": {
        "en": "The office has been told and will contact you. In danger call 117.",
        "km": "ការិយាល័យបានទទួលដំណឹង ហើយនឹងទាក់ទងអ្នក។ គ្រោះថ្នាក់ ហៅ 117។",
    },
    # Nothing in the knowledge base comes close: say so honestly, and offer a person.
    "legal_holding": {
        "en": "Sorry, we do not know the answer to this one and will not guess. "
        "A Justice Service Centre can help: tell us your district and province.",
        "km": "សូមទោស យើងមិនដឹងចម្លើយនេះច្បាស់ទេ ហើយមិនចង់ទាយ។ មជ្ឈមណ្ឌលសេវាយុត្តិធម៌អាចជួយបាន៖ សូមប្រាប់ស្រុក ខេត្ត។",
    },
    "status": {
        "en": "Case {ref}: {status}. Office: {office}.",
        "km": "ករណី {ref}៖ {status}។ ការិយាល័យ៖ {office}។",
    },
    "status_unknown": {
        "en": "We could not find that case number on this phone. Check the number and try again.",
        "km": "រកមិនឃើញលេខករណីនេះទេ។ សូមពិនិត្យលេខម្តងទៀត។",
    },
    "stopped": {
        "en": "You will get no more messages from us. Reply START to begin again.",
        "km": "អ្នកនឹងមិនទទួលសារពីយើងទៀតទេ។ ផ្ញើ START ដើម្បីចាប់ផ្តើមវិញ។",
    },
    "stop_confirm": {
        # Discreet like every reply (a shared phone; most who write this only want fewer texts):
        # the hotline, no word of what the message may have been about.
        "en": "To get no more messages from us, reply STOP. In danger now: call 117 (free).",
        "km": "ដើម្បីឈប់ទទួលសារពីយើង សូមផ្ញើ STOP។ មានគ្រោះថ្នាក់ ហៅ 117 (ឥតគិតថ្លៃ)។",
    },
    "empty": {
        "en": "We did not understand that. Tell us your problem in words, or reply HELP.",
        "km": "យើងមិនយល់សារនេះទេ។ សូមសរសេរបញ្ហារបស់អ្នក ឬផ្ញើ HELP។",
    },
    # To officials on Telegram (no SMS cost; Khmer first, English below).
    "official_linked": {
        "en": "You are linked to {office}. New cases for your office will reach you here.",
        "km": "អ្នកបានភ្ជាប់ជាមួយ {office_km}។ ករណីថ្មីនឹងមកដល់អ្នកនៅទីនេះ។",
    },
    "official_code_locked": {
        "en": "Too many wrong invitation codes. Try again in an hour, or ask your administrator for help.",
        "km": "លេខកូដអញ្ជើញខុសច្រើនដងពេក។ សូមព្យាយាមម្តងទៀតក្នុងរយៈពេលមួយម៉ោង ឬសុំជំនួយពីអ្នកគ្រប់គ្រង។",
    },
    "official_bad_code": {
        "en": "This invitation code is not valid or has expired. Ask your administrator for a new one.",
        "km": "លេខកូដអញ្ជើញនេះមិនត្រឹមត្រូវ ឬផុតកំណត់។ សូមសុំលេខកូដថ្មីពីអ្នកគ្រប់គ្រង។",
    },
    "official_inactive": {
        "en": "Your account is not active. Ask your administrator.",
        "km": "គណនីរបស់អ្នកមិនសកម្មទេ។ សូមសួរអ្នកគ្រប់គ្រង។",
    },
    "official_new_dispute": {
        "en": "New dispute {ref} in {place}. Routed: {reason}. The person agreed to be contacted.\n{summary}",
        "km": "វិវាទថ្មី {ref} នៅ{place_km}។",
    },
    "official_not_yours": {
        "en": "This case is not in your office, or it does not exist.",
        "km": "ករណីនេះមិនមែនជារបស់ការិយាល័យអ្នក ឬមិនមានទេ។",
    },
    "official_help": {
        "en": "{office}: /cases your open cases (/cases urgent, mine, unaccepted), /case REF one case with its "
        "messages, /msg REF text writes to the person, /note REF text a note for your office, "
        "/schedule REF 2026-12-03 09:00 [place] sets a session, /cancel REF cancels it, /console signs you in on the web.",
        "km": "{office}៖ /cases បញ្ជីករណី /case REF មើលករណីមួយ /msg REF ផ្ញើសារ /note REF កំណត់ចំណាំ "
        "/schedule REF កំណត់ពេលជួប /cancel REF លុបការជួប",
    },
    "official_console_link": {
        "en": "Your sign-in link to the web console (one use, valid 10 minutes; do not forward it):\n{link}",
        "km": "តំណចូលកុងសូលវេប (ប្រើបានម្តង មានសុពលភាព ១០ នាទី កុំបញ្ជូនបន្ត)៖",
    },
    "official_console_action": {
        "en": "Case {ref}: {what} by {name} in the web console.",
        "km": "ករណី {ref}៖ {what_km} ដោយ {name} នៅកុងសូលវេប។",
    },
    "official_reminder": {
        "en": "Reminder: case {ref} is waiting to be accepted.",
        "km": "រំលឹក៖ ករណី {ref} កំពុងរង់ចាំការទទួលយក។",
    },
    "official_escalated": {
        "en": "Case {ref} at {office} has not been accepted. Please follow up.",
        "km": "ករណី {ref} មិនទាន់មានអ្នកទទួលយកទេ។",
    },
    "official_check_in_help": {
        "en": "URGENT: case {ref}: the person answered the check-in that they need help.",
        "km": "បន្ទាន់៖ ករណី {ref} អ្នកដាក់ពាក្យត្រូវការជំនួយ។",
    },
    "official_case_update": {
        "en": "Case {ref}: the person wrote again. See the case record.",
        "km": "ករណី {ref}៖ អ្នកដាក់ពាក្យបានសរសេរមកម្តងទៀត។",
    },
    "official_unplaced_protection": {
        "en": "URGENT: protection case {ref} with no place yet. The person has been given 117 and 1280; "
        "we are asking where they are.",
        "km": "បន្ទាន់៖ ករណីការពារ {ref} មិនទាន់ដឹងទីកន្លែង។",
    },
    "official_new_protection": {
        "en": "{urgent}New protection case {ref} in {place}. Routed: {reason}. Contact the person discreetly.",
        "km": "{urgent}ករណីការពារថ្មី {ref} នៅ{place_km}។",
    },
    # Officials' replies and questions while they work a case.
    "official_button_expired": {
        "en": "That button has expired. Send /cases.",
        "km": "ប៊ូតុងនេះផុតសុពលភាពហើយ។ សូមផ្ញើ /cases។",
    },
    "official_schedule_usage": {
        "en": "Use: /schedule REF 2026-12-03 09:00 [place]",
        "km": "របៀបប្រើ៖ /schedule លេខករណី 2026-12-03 09:00 [ទីកន្លែង]",
    },
    "official_bad_time": {
        "en": "That date or time does not exist.",
        "km": "គ្មានកាលបរិច្ឆេទ ឬម៉ោងនេះទេ។",
    },
    "official_case_closed": {
        "en": "Case {ref} is already closed.",
        "km": "ករណី {ref} បានបិទរួចហើយ។",
    },
    "official_which_day": {"en": "Case {ref}: which day?", "km": "ករណី {ref}៖ ជួបថ្ងៃណា?"},
    "official_which_time": {"en": "Case {ref}: what time?", "km": "ករណី {ref}៖ ជួបម៉ោងប៉ុន្មាន?"},
    "official_which_outcome": {
        "en": "Case {ref}: what was the outcome?",
        "km": "ករណី {ref}៖ តើលទ្ធផលយ៉ាងដូចម្តេច?",
    },
    "official_which_office": {
        "en": "Case {ref}: re-route to which office?",
        "km": "ករណី {ref}៖ ផ្ទេរទៅការិយាល័យណា?",
    },
    "official_office_inactive": {
        "en": "That office is not active.",
        "km": "ការិយាល័យនោះមិនសកម្មទេ។",
    },
    "official_rerouted": {
        "en": "Case {ref} re-routed to {office}.",
        "km": "ករណី {ref} ត្រូវបានផ្ទេរទៅ {office_km}។",
    },
    "official_you_accepted": {
        "en": "You accepted case {ref}.",
        "km": "អ្នកបានទទួលយកករណី {ref}។",
    },
    "official_accepted_by": {
        "en": "Case {ref}: taken by {name}.",
        "km": "ករណី {ref}៖ {name} បានទទួលយក។",
    },
    "official_already_accepted": {
        "en": "Case {ref} is already taken by {name}.",
        "km": "ករណី {ref} ត្រូវបាន {name} ទទួលយករួចហើយ។",
    },
    "official_time_passed": {
        "en": "That time has already passed.",
        "km": "ពេលវេលានោះកន្លងផុតទៅហើយ។",
    },
    "official_disputes_only": {
        "en": "Sessions are scheduled for disputes only.",
        "km": "ការជួបសម្រុះសម្រួលកំណត់បានសម្រាប់តែករណីវិវាទប៉ុណ្ណោះ។",
    },
    "official_scheduled": {
        "en": "Case {ref}: session {when} at {place}. The citizen has been told.",
        "km": "ករណី {ref}៖ ការជួប {when_km} នៅ{place}។ ពលរដ្ឋបានទទួលដំណឹងហើយ។",
    },
    "official_scheduled_no_sms": {
        "en": "Case {ref}: session {when} at {place}. The citizen has been told (they cannot receive SMS: call them).",
        "km": "ករណី {ref}៖ ការជួប {when_km} នៅ{place}។ ពលរដ្ឋមិនអាចទទួលសារបានទេ៖ សូមទូរស័ព្ទទៅគាត់។",
    },
    "official_no_session": {
        "en": "Case {ref} has no session scheduled.",
        "km": "ករណី {ref} មិនទាន់មានការណាត់ជួបទេ។",
    },
    "official_session_cancelled": {
        "en": "Session for case {ref} cancelled; the citizen was told.",
        "km": "ការជួបសម្រាប់ករណី {ref} ត្រូវបានលុបចោល ហើយពលរដ្ឋបានទទួលដំណឹងហើយ។",
    },
    "official_outcome_recorded": {
        "en": "Case {ref}: {outcome} recorded.",
        "km": "ករណី {ref}៖ បានកត់ត្រាលទ្ធផល «{outcome_km}»។",
    },
    "official_stage": {
        "en": "Case {ref}: stage {stage}.",
        "km": "ករណី {ref}៖ ដំណាក់កាល «{stage_km}»។",
    },
    "official_no_open_cases": {"en": "No open cases.", "km": "មិនមានករណីកំពុងដំណើរការទេ។"},
    "official_will_come": {
        "en": "Case {ref}: {who} WILL COME to the session {when}.",
        "km": "ករណី {ref}៖ {who_km}នឹងមកចូលរួមការជួប {when_km}។",
    },
    "official_cannot_come": {
        "en": "Case {ref}: {who} CANNOT COME to the session {when}.",
        "km": "ករណី {ref}៖ {who_km}មិនអាចមកចូលរួមការជួប {when_km} បានទេ។",
    },
    # Labels: buttons and the headings of /case (Khmer · English on one line).
    "official_button_accept": {"en": "Accept ✅", "km": "ទទួលយក"},
    "official_button_schedule": {"en": "Schedule 📅", "km": "កំណត់ពេលជួប"},
    "official_button_reroute": {"en": "Re-route ↪", "km": "ផ្ទេរ"},
    "official_button_close": {"en": "Close ✖", "km": "បិទ"},
    "official_button_next_stage": {"en": "Next stage ▶", "km": "ដំណាក់កាលបន្ទាប់"},
    "official_button_resolved": {"en": "Resolved", "km": "ដោះស្រាយបាន"},
    "official_button_not_resolved": {"en": "Not resolved", "km": "ដោះស្រាយមិនបាន"},
    "official_button_referred": {"en": "Referred", "km": "បញ្ជូនបន្ត"},
    "official_label_case": {"en": "Case", "km": "ករណី"},
    "official_label_office": {"en": "Office", "km": "ការិយាល័យ"},
    "official_label_story": {"en": "Story", "km": "សាច់រឿង"},
    "official_label_details": {"en": "Details", "km": "ព័ត៌មានលម្អិត"},
    "official_label_timeline": {"en": "Timeline", "km": "ប្រវត្តិករណី"},
    "official_party_person": {"en": "the person", "km": "អ្នកដាក់ពាក្យ"},
    "official_party_other": {"en": "the other party", "km": "ភាគីម្ខាងទៀត"},
    # Casework: reaching the person, lists, cards, notes, ownership, coverage.
    "official_contact_phone": {"en": "Contact: {phone} · {texts}", "km": "ទំនាក់ទំនង៖ {phone} · {texts_km}"},
    "official_contact_telegram": {
        "en": "Contact: Telegram (Open chat below) · {texts}",
        "km": "ទំនាក់ទំនង៖ Telegram (បើកការជជែកខាងក្រោម) · {texts_km}",
    },
    "official_texts_safe": {"en": "safe to text", "km": "ផ្ញើសារបាន"},
    "official_texts_unsafe": {"en": "NOT safe to text: call only", "km": "កុំផ្ញើសារ៖ ទូរស័ព្ទតែប៉ុណ្ណោះ"},
    "official_texts_day": {"en": "text only 08:00-17:00", "km": "ផ្ញើសារតែម៉ោង 08:00-17:00"},
    "official_texts_stopped": {"en": "sent STOP: no messages", "km": "បានផ្ញើ STOP៖ មិនផ្ញើសារ"},
    "official_msg_sent": {
        "en": "Case {ref}: your message was sent to the person.",
        "km": "ករណី {ref}៖ សាររបស់អ្នកត្រូវបានផ្ញើទៅអ្នកដាក់ពាក្យហើយ។",
    },
    "official_msg_sent_later": {
        "en": "Case {ref}: your message was sent; it reaches the person at {when} (quiet hours).",
        "km": "ករណី {ref}៖ សាររបស់អ្នកត្រូវបានផ្ញើ ហើយនឹងទៅដល់នៅ {when_km} (ម៉ោងស្ងាត់)។",
    },
    "official_msg_refused_stop": {
        "en": "Case {ref}: not sent: the person sent STOP. Call them if they agreed to calls.",
        "km": "ករណី {ref}៖ មិនបានផ្ញើ៖ អ្នកដាក់ពាក្យបានផ្ញើ STOP។ សូមទូរស័ព្ទ បើគាត់យល់ព្រម។",
    },
    "official_msg_refused_unsafe": {
        "en": "Case {ref}: not sent: the person said texts to this phone are not safe. Call them instead.",
        "km": "ករណី {ref}៖ មិនបានផ្ញើ៖ អ្នកដាក់ពាក្យថាការផ្ញើសារមកទូរស័ព្ទនេះមិនមានសុវត្ថិភាព។ សូមទូរស័ព្ទជំនួសវិញ។",
    },
    "official_msg_refused_discreet": {
        "en": "Case {ref}: a person at risk gets only discreet messages that name nothing. Choose one below.",
        "km": "ករណី {ref}៖ អ្នកប្រឈមហានិភ័យទទួលបានតែសារមិនបញ្ចេញព័ត៌មាន។ សូមជ្រើសរើសខាងក្រោម។",
    },
    "official_msg_no_channel": {
        "en": "Case {ref}: we have no way to write to this person.",
        "km": "ករណី {ref}៖ យើងគ្មានមធ្យោបាយផ្ញើសារទៅអ្នកនេះទេ។",
    },
    "official_msg_ask": {
        "en": "Case {ref}: write your message to the person now. It goes as one message signed {office}.",
        "km": "ករណី {ref}៖ សូមសរសេរសារទៅអ្នកដាក់ពាក្យឥឡូវ។ វានឹងផ្ញើដោយចុះហត្ថលេខា {office_km}។",
    },
    "official_msg_too_long": {
        "en": "The message is too long: at most {limit} characters.",
        "km": "សារវែងពេក៖ យ៉ាងច្រើន {limit} តួអក្សរ។",
    },
    "official_msg_usage": {"en": "Use: /msg REF your message", "km": "របៀបប្រើ៖ /msg លេខករណី សារ"},
    "official_note_usage": {"en": "Use: /note REF your note", "km": "របៀបប្រើ៖ /note លេខករណី កំណត់ចំណាំ"},
    "official_note_ask": {
        "en": "Case {ref}: write your note now (your office only sees it).",
        "km": "ករណី {ref}៖ សូមសរសេរកំណត់ចំណាំឥឡូវ (មានតែការិយាល័យអ្នកឃើញ)។",
    },
    "official_note_saved": {
        "en": "Case {ref}: note saved (your office only sees it).",
        "km": "ករណី {ref}៖ បានរក្សាទុកកំណត់ចំណាំ (មានតែការិយាល័យអ្នកឃើញ)។",
    },
    "official_person_wrote": {
        "en": "Case {ref}: the person wrote:\n{text}",
        "km": "ករណី {ref}៖ អ្នកដាក់ពាក្យបានសរសេរមក៖",
    },
    "official_handover_which": {"en": "Case {ref}: hand over to whom?", "km": "ករណី {ref}៖ ប្រគល់ទៅអ្នកណា?"},
    "official_handover_nobody": {
        "en": "Case {ref}: nobody else of the office is linked.",
        "km": "ករណី {ref}៖ មិនមានមន្ត្រីផ្សេងទៀតនៃការិយាល័យបានភ្ជាប់ទេ។",
    },
    "official_not_owner": {
        "en": "Case {ref}: only its owner, {name}, can hand it over.",
        "km": "ករណី {ref}៖ មានតែអ្នកទទួលបន្ទុក {name} ទេដែលអាចប្រគល់បាន។",
    },
    "official_handed_over": {"en": "Case {ref}: handed over to {name}.", "km": "ករណី {ref}៖ បានប្រគល់ទៅ {name}។"},
    "official_handed_to_you": {
        "en": "Case {ref}: {name} handed this case to you.",
        "km": "ករណី {ref}៖ {name} បានប្រគល់ករណីនេះមកអ្នក។",
    },
    "official_change_scheduled": {
        "en": "Case {ref}: session {when} set by {name}.",
        "km": "ករណី {ref}៖ {name} បានកំណត់ការជួប {when_km}។",
    },
    "official_change_cancelled": {
        "en": "Case {ref}: session cancelled by {name}.",
        "km": "ករណី {ref}៖ {name} បានលុបការជួប។",
    },
    "official_change_closed": {
        "en": "Case {ref}: {outcome} recorded by {name}.",
        "km": "ករណី {ref}៖ {name} បានកត់ត្រា «{outcome_km}»។",
    },
    "official_change_stage": {
        "en": "Case {ref}: stage {stage} set by {name}.",
        "km": "ករណី {ref}៖ {name} បានដាក់ដំណាក់កាល «{stage_km}»។",
    },
    "official_change_rerouted": {
        "en": "Case {ref}: re-routed to {office} by {name}.",
        "km": "ករណី {ref}៖ {name} បានផ្ទេរទៅ {office_km}។",
    },
    "official_change_handed_over": {
        "en": "Case {ref}: {name} handed it over to {to}.",
        "km": "ករណី {ref}៖ {name} បានប្រគល់ទៅ {to}។",
    },
    "official_change_message": {
        "en": "Case {ref}: {name} sent the person a message.",
        "km": "ករណី {ref}៖ {name} បានផ្ញើសារទៅអ្នកដាក់ពាក្យ។",
    },
    "official_change_note": {"en": "Case {ref}: {name} added a note.", "km": "ករណី {ref}៖ {name} បានបន្ថែមកំណត់ចំណាំ។"},
    "official_escalated_office": {
        "en": "Case {ref} is not accepted yet: the province's coordinators have been told.",
        "km": "ករណី {ref} មិនទាន់មានអ្នកទទួលយក៖ អ្នកសម្របសម្រួលខេត្តបានទទួលដំណឹងហើយ។",
    },
    "official_moved_away": {
        "en": "Case {ref} was not accepted in time and moved to {office}.",
        "km": "ករណី {ref} មិនបានទទួលយកទាន់ពេល ហើយត្រូវបានផ្ទេរទៅ {office_km}។",
    },
    "official_duty_uncovered": {
        "en": "{urgent}Case {ref} ({kind}) went to {office}, where nobody is linked yet. Please act on it or re-route it.",
        "km": "{urgent_km}ករណី {ref} ត្រូវបានបញ្ជូនទៅ {office_km} ដែលមិនទាន់មានមន្ត្រីភ្ជាប់។ សូមចាត់ការ ឬផ្ទេរ។",
    },
    "official_duty_reminder": {
        "en": "{urgent}Case {ref} is still not accepted. Please act on it.",
        "km": "{urgent_km}ករណី {ref} នៅតែមិនទាន់មានអ្នកទទួលយក។ សូមចាត់ការ។",
    },
    "official_duty_exhausted": {
        "en": "{urgent}Case {ref}: no other linked office can take it. Please act on it.",
        "km": "{urgent_km}ករណី {ref}៖ មិនមានការិយាល័យផ្សេងដែលអាចទទួលបានទេ។ សូមចាត់ការ។",
    },
    "official_place_too_long": {
        "en": "The place is too long: at most {limit} characters.",
        "km": "ទីកន្លែងវែងពេក៖ យ៉ាងច្រើន {limit} តួអក្សរ។",
    },
    "official_too_far": {
        "en": "That date is too far ahead: at most a year from now.",
        "km": "កាលបរិច្ឆេទនោះឆ្ងាយពេក៖ យ៉ាងយូរមួយឆ្នាំពីឥឡូវ។",
    },
    "official_wrong_kind": {
        "en": "Case {ref} cannot go to {office}: {kind} cases go to {kinds} offices only.",
        "km": "ករណី {ref} មិនអាចផ្ទេរទៅ {office_km} បានទេ៖ ប្រភេទការិយាល័យមិនត្រូវគ្នា។",
    },
    "official_cases_header": {
        "en": "Open cases, urgent first ({first}-{last} of {total}):",
        "km": "ករណីកំពុងដំណើរការ បន្ទាន់មុន ({first}-{last} នៃ {total})៖",
    },
    "official_cases_more": {
        "en": "{more} more: press More or send /cases {filter}{page}",
        "km": "{more} ទៀត៖ ចុច បន្ថែម ឬផ្ញើ /cases {filter}{page}",
    },
    "official_earlier_none": {"en": "Case {ref}: no earlier messages.", "km": "ករណី {ref}៖ គ្មានសារមុននេះទេ។"},
    "official_button_message": {"en": "Message ✉", "km": "ផ្ញើសារ"},
    "official_button_note": {"en": "Note 📝", "km": "កំណត់ចំណាំ"},
    "official_button_handover": {"en": "Hand over 🤝", "km": "ប្រគល់"},
    "official_button_cancel_session": {"en": "Cancel session", "km": "លុបការជួប"},
    "official_button_open_chat": {"en": "Open chat 💬", "km": "បើកការជជែក"},
    "official_button_more": {"en": "More ▶", "km": "បន្ថែម"},
    "official_button_earlier": {"en": "Earlier messages ◀", "km": "សារមុនៗ"},
    "official_button_discreet_call_back": {"en": "Please call us back", "km": "សូមទូរស័ព្ទមកវិញ"},
    "official_button_discreet_good_time": {"en": "When can we call?", "km": "ពេលណាអាចទូរស័ព្ទ?"},
    "official_button_discreet_are_you_ok": {"en": "How are you?", "km": "សុខសប្បាយទេ?"},
    "official_label_owner": {"en": "Owner", "km": "អ្នកទទួលបន្ទុក"},
    "official_label_nobody": {"en": "not accepted yet", "km": "មិនទាន់មានអ្នកទទួលយក"},
    "official_label_session": {"en": "Session", "km": "ការជួប"},
    "official_label_notes": {"en": "Notes (your office only)", "km": "កំណត់ចំណាំ (តែការិយាល័យអ្នក)"},
    "official_label_messages": {"en": "Messages, newest last", "km": "សារ ថ្មីបំផុតនៅចុងក្រោយ"},
    "official_label_earlier": {"en": "Earlier messages", "km": "សារមុនៗ"},
    "official_label_person": {"en": "person", "km": "អ្នកដាក់ពាក្យ"},
    "official_label_us": {"en": "us", "km": "យើង"},
}

# Case statuses and stages as officials read them (English: the status with spaces).
STATUS_WORDS_KM: dict[str, str] = {
    "received": "បានទទួល",
    "routed": "បានបញ្ជូនទៅការិយាល័យ",
    "accepted": "បានទទួលយក",
    "scheduled": "បានកំណត់ពេលជួប",
    "in_mediation": "កំពុងសម្រុះសម្រួល",
    "identified": "បានកំណត់អត្តសញ្ញាណ",
    "registered": "បានចុះបញ្ជី",
    "assessed": "បានវាយតម្លៃ",
    "case_conference": "សន្និសីទករណី",
    "case_plan": "ផែនការករណី",
    "referred": "បានបញ្ជូនបន្ត",
    "service_provision": "ការផ្តល់សេវា",
    "reintegration_follow_up": "សមាហរណកម្ម និងការតាមដាន",
    "closed": "បានបិទ",
    "evaluated": "បានវាយតម្លៃលទ្ធផល",
    "resolved": "បានដោះស្រាយ",
    "not_resolved": "មិនបានដោះស្រាយ",
}

WEEKDAYS = {
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    "km": ["ច័ន្ទ", "អង្គារ", "ពុធ", "ព្រហស្បតិ៍", "សុក្រ", "សៅរ៍", "អាទិត្យ"],
}

STATUS_WORDS: dict[str, dict[str, str]] = {
    "received": {"en": "received", "km": "បានទទួល"},
    "routed": {"en": "sent to the office", "km": "បានបញ្ជូនទៅការិយាល័យ"},
    "accepted": {"en": "accepted by the office", "km": "ការិយាល័យបានទទួលយក"},
    "scheduled": {"en": "session scheduled", "km": "បានកំណត់ពេលជួប"},
    "in_mediation": {"en": "in mediation", "km": "កំពុងសម្រុះសម្រួល"},
    "resolved": {"en": "resolved", "km": "បានដោះស្រាយ"},
    "not_resolved": {"en": "not resolved", "km": "មិនបានដោះស្រាយ"},
    "referred": {"en": "referred", "km": "បានបញ្ជូនបន្ត"},
    "closed": {"en": "closed", "km": "បានបិទ"},
    "evaluated": {"en": "closed", "km": "បានបិទ"},
    # A protection case's stage names nothing to whoever reads the phone: "in progress".
    "in_progress": {"en": "in progress", "km": "កំពុងដំណើរការ"},
}


def reply_language(language: str) -> str:
    """Replies are in Khmer script for Khmer and romanised Khmer, English for English."""
    return "en" if language == "en" else "km"


def render(key: str, language: str, **params: object) -> str:
    """The text of template `key` in the reader's language."""
    return TEMPLATES[key][reply_language(language)].format(**params)


def render_official(key: str, **params: object) -> str:
    """A message to officials: Khmer line first, English below."""
    return f"{TEMPLATES[key]['km'].format(**params)}\n{TEMPLATES[key]['en'].format(**params)}".strip()


def render_label(key: str) -> str:
    """A button label or heading for officials: Khmer · English."""
    return f"{TEMPLATES[key]['km']} · {TEMPLATES[key]['en']}"


def status_params(status: str, name: str = "outcome") -> dict[str, str]:
    """A status or stage for an official template: `{name}` in English, `{name}_km` in Khmer."""
    return {name: status.replace("_", " "), f"{name}_km": STATUS_WORDS_KM.get(status, status.replace("_", " "))}


def when_text(policy: Policy, moment: datetime, lang: str) -> str:
    """'Wed 03/12 09:00' on Cambodian clocks, weekday in the reader's language."""
    local = policy.local(moment)
    return f"{WEEKDAYS[reply_language(lang)][local.weekday()]} {local:%d/%m %H:%M}"


def when_params(policy: Policy, moment: datetime) -> dict[str, str]:
    """A session's time for an official template: `{when}` in English, `{when_km}` in Khmer."""
    return {"when": when_text(policy, moment, "en"), "when_km": when_text(policy, moment, "km")}


def day_label(day: datetime) -> str:
    """A day button: 'ព្រហស្បតិ៍ Thu 26/11'."""
    return f"{WEEKDAYS['km'][day.weekday()]} {WEEKDAYS['en'][day.weekday()]} {day:%d/%m}"


def contact_line(info) -> str:
    """How to reach the person (a `cases.ContactInfo`), Khmer line then English."""
    texts = {
        "texts": TEMPLATES[f"official_texts_{info.texts}"]["en"],
        "texts_km": TEMPLATES[f"official_texts_{info.texts}"]["km"],
    }
    if info.channel == "telegram":
        return render_official("official_contact_telegram", **texts)
    return render_official("official_contact_phone", phone=info.address, **texts)


ACTION_LABELS = {
    callbacks.ACCEPT: "official_button_accept",
    callbacks.SCHEDULE: "official_button_schedule",
    callbacks.NEXT_STAGE: "official_button_next_stage",
    callbacks.REROUTE: "official_button_reroute",
    callbacks.CLOSE: "official_button_close",
    callbacks.CANCEL_SESSION: "official_button_cancel_session",
    callbacks.MESSAGE: "official_button_message",
    callbacks.NOTE: "official_button_note",
    callbacks.HANDOVER: "official_button_handover",
}


def case_buttons(case: Case, actions: list[str] | None = None, chat_url: str | None = None) -> list:
    """The inline keyboard under a case: the `actions` the reader may take (by default the first
    ones of a new case), two to a row, and a button that opens the person's Telegram chat."""
    if actions is None:
        second = callbacks.NEXT_STAGE if case.kind == CaseKind.PROTECTION else callbacks.SCHEDULE
        actions = [callbacks.ACCEPT, second, callbacks.REROUTE, callbacks.CLOSE]
    buttons = [[render_label(ACTION_LABELS[a]), callbacks.data(a, case.id)] for a in actions]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    if chat_url:
        rows.append([[render_label("official_button_open_chat"), chat_url]])
    return rows


def outcome_buttons(case: Case) -> list:
    """The outcomes a dispute can close with."""

    def button(outcome: str) -> list[str]:
        return [render_label(f"official_button_{outcome}"), callbacks.data(callbacks.OUTCOME, case.id, outcome)]

    return [[button("resolved"), button("not_resolved")], [button("referred")]]
