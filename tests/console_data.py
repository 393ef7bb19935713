"""A small, realistic caseload for the console's tests and screenshots: two provinces, a JSC and a
protection office in Battambang, a JSC in Phnom Penh, officials of every role, and cases as the
intake pipeline leaves them (opened, routed, the person's messages, the office's notifications)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from intake.model import (
    Case,
    CaseEvent,
    CaseStatus,
    Contact,
    Identity,
    Message,
    Official,
    new_case_ref,
    utcnow,
)
from intake.routing import route

OFFICIALS = {
    # key: (office code, name, role, Telegram chat id)
    "jsc": ("SAMPLE-JSC-0203", "Sok Dara", "official", "900001"),
    "jsc2": ("SAMPLE-JSC-0203", "Chan Vicheka", "official", "900002"),
    "caseworker": ("SAMPLE-DOSVY-02", "Keo Sophea", "official", "900003"),
    "coordinator": ("SAMPLE-JSC-0203", "Lim Bora", "coordinator", "900004"),
    "admin": ("SAMPLE-JSC-1202", "Srey Mom", "admin", "900005"),
    "pp": ("SAMPLE-JSC-1202", "Meas Rith", "official", "900006"),
}

CASES = {
    # key: (kind, office code, district, commune, urgent, age, phone, summary, details)
    "boundary": (
        "dispute",
        "SAMPLE-JSC-0203",
        "0203",
        "020301",
        False,
        timedelta(days=2, hours=3),
        "+85512000101",
        "ខ្ញុំមានជម្លោះដីស្រែជាមួយអ្នកជិតខាង គាត់រំកិលបង្គោលព្រំដី។",
        "With the neighbour; wants the boundary restored.",
    ),
    "debt": (
        "dispute",
        "SAMPLE-JSC-0203",
        "0208",
        None,
        False,
        timedelta(hours=5),
        "+85512000102",
        "My brother-in-law borrowed 2 million riel and will not pay it back.",
        "With a relative; wants the debt repaid.",
    ),
    "violence": (
        "protection",
        "SAMPLE-DOSVY-02",
        "0208",
        None,
        True,
        timedelta(minutes=40),
        "+85512000103",
        "ប្តីខ្ញុំវាយខ្ញុំរាល់យប់ ខ្ញុំខ្លាចណាស់",
        None,
    ),
    "phnom_penh": (
        "dispute",
        "SAMPLE-JSC-1202",
        "1202",
        None,
        False,
        timedelta(days=1),
        "+85512000104",
        "Landlord keeps my deposit after I moved out.",
        "With the landlord; wants the deposit back.",
    ),
}


@dataclass
class Seeded:
    officials: dict[str, int] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    phones: dict[str, str] = field(default_factory=dict)


def seed(services, now: datetime | None = None, extra_phnom_penh: int = 0) -> Seeded:
    """Officials of every role and four cases (plus `extra_phnom_penh` more, for paging)."""
    now = now or utcnow()
    out = Seeded()
    with services.uow() as uow:
        offices = {o.code: o for o in uow.repo.offices(active_only=False)}
        for key, (code, name, role, chat) in OFFICIALS.items():
            official = Official(
                office_id=offices[code].id, name=name, role=role, telegram_chat_id=chat, linked_at=now, created_at=now
            )
            uow.repo.add(official)
            uow.repo.flush()
            out.officials[key] = official.id
        rows = list(CASES.items()) + [
            (
                f"extra{i}",
                (
                    "dispute",
                    "SAMPLE-JSC-1202",
                    "1202",
                    None,
                    False,
                    timedelta(hours=30 + i),
                    f"+8551290{i:04d}",
                    "x",
                    None,
                ),
            )
            for i in range(extra_phnom_penh)
        ]
        for key, (kind, code, district, commune, urgent, age, phone, summary, details) in rows:
            opened = now - age
            contact = Contact(language="km", created_at=opened)
            uow.repo.add(contact)
            uow.repo.flush()
            uow.repo.add(Identity(channel="sms", address=phone, contact_id=contact.id))
            office = offices[code]
            # Why the case is there, as the router says it ("covers ..." or "nearest: N km").
            decision = route(
                kind,
                province_code=district[:2],
                district_code=district,
                commune_code=commune,
                offices=[office],
                centroid=services.places.centroid,
                place_name=lambda code: services.places.name(code, "en"),
            )
            assert decision is not None
            case = Case(
                ref=new_case_ref(),
                kind=kind,
                status=CaseStatus.ROUTED,
                contact_id=contact.id,
                language="km",
                urgent=urgent,
                province_code=district[:2],
                district_code=district,
                commune_code=commune,
                office_id=office.id,
                routing_reason=decision.reason,
                distance_km=decision.distance_km,
                summary=summary,
                details=details,
                created_at=opened,
                updated_at=opened,
            )
            uow.repo.add(case)
            uow.repo.flush()
            uow.repo.add(
                Message(
                    direction="in",
                    channel="sms",
                    address=phone,
                    body=summary,
                    status="processed",
                    provider_message_id=f"SM{key}",
                    contact_id=contact.id,
                    case_id=case.id,
                    created_at=opened,
                    updated_at=opened,
                )
            )
            uow.repo.add(
                Message(
                    direction="out",
                    channel="sms",
                    address=phone,
                    body=f"Your case number is {case.ref}. {office.name_en} will contact you.",
                    status="sent",
                    idempotency_key=f"seed:{key}",
                    contact_id=contact.id,
                    case_id=case.id,
                    created_at=opened,
                    updated_at=opened,
                )
            )
            uow.repo.add(CaseEvent(case_id=case.id, type="opened", actor="citizen", detail={}, at=opened))
            uow.repo.add(
                CaseEvent(
                    case_id=case.id,
                    type="routed",
                    actor="system",
                    detail={"office": code, "reason": case.routing_reason, "distance_km": case.distance_km},
                    at=opened,
                )
            )
            out.refs[key] = case.ref
            out.phones[key] = phone
        uow.commit()
    return out
