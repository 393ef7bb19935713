"""Admin commands: `flask --app bot db|directory|officials|messages|telegram ...`."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from flask.cli import AppGroup

from bot import current_services
from bot.database import upgrade_database
from intake import job_names, staff
from intake.directory import DirectoryError, invite_official, load_directory, parse_directory
from intake.model import ContactRole, Direction, OutboundStatus
from intake.outbound import dispatch

db_cli = AppGroup("db", help="Database schema.")
directory_cli = AppGroup("directory", help="The directory of offices.")
officials_cli = AppGroup("officials", help="Officials and their Telegram links.")
messages_cli = AppGroup("messages", help="Inbound and outbound messages.")
telegram_cli = AppGroup("telegram", help="Telegram without a public URL.")
councils_cli = AppGroup("councils", help="Commune councils that ask on behalf of villagers.")
cases_cli = AppGroup("cases", help="Cases: look one up, re-route it.")
reports_cli = AppGroup("reports", help="Reports for the Justice Service Centres.")
console_cli = AppGroup("console", help="The web console for staff.")
keys_cli = AppGroup("keys", help="The keys personal data is sealed with.")
people_cli = AppGroup("people", help="People who wrote to the service: erasure on request.")


@db_cli.command("upgrade")
def db_upgrade():
    """Apply every migration."""
    services = current_services()
    upgrade_database(services.config.database_url, services.keyring)
    click.echo("database is up to date")


@directory_cli.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--if-empty", is_flag=True, help="Load only when no office exists yet (first run).")
def directory_load(path: Path, if_empty: bool):
    """Load a directory CSV; offices it no longer lists are deactivated."""
    services = current_services()
    gazetteer = services.places_factory()  # the gazetteer only: no need to load the NLU here
    with services.uow() as uow:
        if if_empty and uow.repo.offices(active_only=False):
            click.echo("directory already loaded; nothing to do")
            return
        try:
            offices = parse_directory(path, lambda code: gazetteer.name(code, "en") != code)
        except DirectoryError as exc:
            for problem in exc.problems:
                click.echo(problem, err=True)
            raise click.exceptions.Exit(1) from None
        result = load_directory(uow, offices)
        uow.commit()
    samples = sum(1 for o in offices if o.sample)
    click.echo(
        f"{len(offices)} offices: {result.added} added, {result.updated} updated, {result.deactivated} deactivated"
    )
    if samples:
        click.echo(f"warning: {samples} offices are SAMPLE data, not the real directory", err=True)


@directory_cli.command("list")
def directory_list():
    """List the offices, one JSON line each."""
    with current_services().uow() as uow:
        for o in uow.repo.offices(active_only=False):
            click.echo(
                json.dumps(
                    {
                        "code": o.code,
                        "kind": o.kind,
                        "name_en": o.name_en,
                        "active": o.active,
                        "sample": o.sample,
                        "covered_districts": o.covered_districts,
                    },
                    ensure_ascii=False,
                )
            )


@directory_cli.command("coverage")
def directory_coverage():
    """Active offices where no active official is linked on Telegram: cases routed there go to the
    duty desk, and nobody at the office reads them."""
    from intake.cases import uncovered_offices

    with current_services().uow() as uow:
        missing = uncovered_offices(uow)
        total = len(uow.repo.offices())
    for office in missing:
        click.echo(f"{office.code}\t{office.kind}\t{office.name_en}")
    click.echo(f"{len(missing)} of {total} active offices have no linked official", err=True)


@directory_cli.command("route")
@click.option("--kind", required=True, type=click.Choice(["jsc", "protection"]))
@click.option("--district", "district_code", help="District code (4 digits).")
@click.option("--commune", "commune_code", help="Commune code (6 digits).")
def directory_route(kind: str, district_code: str | None, commune_code: str | None):
    """Print the office a case from this place would go to, and why, as one JSON line."""
    from intake.routing import route

    if bool(district_code) == bool(commune_code):
        raise click.UsageError("give exactly one of --district or --commune")
    services = current_services()
    places = services.places_factory()
    code = commune_code or district_code
    if places.name(code, "en") == code:
        raise click.UsageError(f"unknown place code {code}")
    district = district_code or commune_code[:4]
    case_kind = "protection" if kind == "protection" else "dispute"
    with services.uow() as uow:
        decision = route(
            case_kind,
            province_code=district[:2],
            district_code=district,
            commune_code=commune_code,
            offices=uow.repo.offices(),
            centroid=places.centroid,
            place_name=lambda c: places.name(c, "en"),
        )
    if decision is None:
        click.echo(json.dumps({"office_code": None, "reason": "no active office of this kind", "distance_km": None}))
        raise click.exceptions.Exit(1)
    click.echo(
        json.dumps(
            {"office_code": decision.office.code, "reason": decision.reason, "distance_km": decision.distance_km},
            ensure_ascii=False,
        )
    )


@officials_cli.command("invite")
@click.option("--office", "office_code", required=True, help="Office code from the directory.")
@click.option("--name", required=True)
@click.option("--role", default="official", type=click.Choice(["official", "coordinator", "admin"]))
def officials_invite(office_code: str, name: str, role: str):
    """Create an official and print their one-time code and Telegram link."""
    services = current_services()
    with services.uow() as uow:
        try:
            official, code = invite_official(
                uow, office_code, name, role, now=services.clock(), key=services.config.secret_key
            )
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None
        uow.commit()
    username = services.config.telegram_bot_username or "<your_bot>"
    click.echo(f"official {official.id} invited to {office_code}; the code is valid for 7 days")
    click.echo(f"code: {code}")
    click.echo(f"link: https://t.me/{username}?start={code}")
    click.echo(f"or send to the bot: /start {code}")


@officials_cli.command("deactivate")
@click.argument("official_id", type=int)
def officials_deactivate(official_id: int):
    """Deactivate an official: the bot refuses them and sends them no more cases."""
    with current_services().uow() as uow:
        official = uow.repo.official(official_id)
        if official is None:
            raise click.ClickException(f"no official {official_id}")
        official.active = False
        uow.commit()
    click.echo(f"official {official_id} deactivated")


@messages_cli.command("list")
@click.option("--status", default="failed", help="failed, queued, sending, sent, delivered, received ...")
def messages_list(status: str):
    """List messages in a status (failed ones by default), without their text."""
    with current_services().uow() as uow:
        for m in uow.repo.messages_with_status(status):
            click.echo(
                json.dumps(
                    {
                        "id": m.id,
                        "direction": m.direction,
                        "channel": m.channel,
                        "purpose": m.purpose,
                        "attempts": m.attempts,
                        "error": m.error,
                        "updated_at": m.updated_at.isoformat(),
                    }
                )
            )


@messages_cli.command("retry")
@click.argument("message_id", type=int)
def messages_retry(message_id: int):
    """Queue a failed outbound message again."""
    services = current_services()
    with services.uow() as uow:
        m = uow.repo.message(message_id)
        if m is None or m.direction != Direction.OUT or m.status != OutboundStatus.FAILED:
            raise click.ClickException("only a failed outbound message can be retried")
        m.status, m.attempts = OutboundStatus.QUEUED, 0
        uow.commit()
    services.queue.enqueue(job_names.SEND_MESSAGE, message_id)
    click.echo(f"message {message_id} queued again")


@telegram_cli.command("poll")
@click.option("--once", is_flag=True, help="Fetch one batch of updates and stop.")
def telegram_poll(once: bool):
    """Long-poll Telegram's getUpdates (for a machine with no public URL) and hand each update to
    the webhook's own `receive_telegram_update`."""
    import asyncio

    from telegram import Bot

    from bot.webhooks import receive_telegram_update

    services = current_services()
    config = services.config
    if not config.telegram_bot_token:
        raise click.ClickException("TELEGRAM_BOT_TOKEN is not set")
    start = getattr(services.queue, "start_schedule", None)
    if start is not None and not once:  # embedded: the schedule runs here too
        start()

    async def run() -> None:
        offset = None
        async with Bot(config.telegram_bot_token, base_url=f"{config.telegram_api_url}/bot") as bot:
            await bot.delete_webhook()
            while True:
                updates = await bot.get_updates(offset=offset, timeout=0 if once else 25)
                for update in updates:
                    receive_telegram_update(services, update)
                    offset = update.update_id + 1
                if once:
                    return
                if not updates:
                    time.sleep(0.5)

    asyncio.run(run())


@councils_cli.command("register")
@click.option("--commune", "commune_code", required=True, help="Commune code (6 digits).")
@click.option("--phone", help="The council's phone number, +855...")
@click.option("--telegram", "chat_id", help="The council's Telegram chat id.")
def councils_register(commune_code: str, phone: str | None, chat_id: str | None):
    """Tag a phone number or Telegram account as a commune council: its questions count for its
    commune in the demand report."""
    from intake.model import Contact, Identity

    if bool(phone) == bool(chat_id):
        raise click.UsageError("give exactly one of --phone or --telegram")
    services = current_services()
    places = services.places_factory()
    if len(commune_code) != 6 or places.name(commune_code, "en") == commune_code:
        raise click.UsageError(f"unknown commune code {commune_code}")
    channel, address = ("sms", phone.replace(" ", "")) if phone else ("telegram", chat_id)
    with services.uow() as uow:
        identity = uow.repo.identity(channel, address)
        if identity is None:
            contact = Contact(language="km")
            uow.repo.add(contact)
            uow.repo.flush()
            uow.repo.add(Identity(channel=channel, address=address, contact_id=contact.id))
        else:
            contact = uow.repo.contact(identity.contact_id)
        contact.role, contact.commune_code = ContactRole.COMMUNE_COUNCIL, commune_code
        uow.commit()
    click.echo(f"contact {contact.id} is the commune council of {places.name(commune_code, 'en')} ({commune_code})")


@cases_cli.command("reroute")
@click.argument("ref")
@click.option("--office", "office_code", required=True, help="Code of the office that takes the case.")
@click.option("--reason", required=True, help="Why (kept on the case and in its timeline).")
def cases_reroute(ref: str, office_code: str, reason: str):
    """Send a case to another office, with a reason; that office's officials are told."""
    from intake.cases import reroute

    services = current_services()
    with services.uow() as uow:
        case = uow.repo.case_by_ref(ref.upper())
        office = uow.repo.office_by_code(office_code)
        if case is None:
            raise click.ClickException(f"no case {ref}")
        if office is None or not office.active:
            raise click.ClickException(f"no active office {office_code}")
        deps = services.deps.at(services.clock())
        outbound = reroute(uow, deps, case, office, actor="admin", reason=f"re-routed by admin: {reason}")
        uow.commit()
    dispatch(services.queue, services.clock(), outbound)
    click.echo(f"case {case.ref} re-routed to {office.code}; {len(outbound)} officials told")


@reports_cli.command("questions")
@click.option("--month", required=True, help="YYYY-MM")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="CSV file (default: stdout)")
def reports_questions(month: str, output: Path | None):
    """Legal questions of a month by place, topic, language and asker, as CSV."""
    from intake.reports import demand_csv, questions_in_month

    try:
        with current_services().uow() as uow:
            text = demand_csv(month, questions_in_month(uow, month))
    except ValueError:
        raise click.UsageError("--month must look like 2026-11") from None
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")
    else:
        click.echo(text, nl=False)


@console_cli.command("link")
@click.option("--official", "official_id", required=True, type=int, help="The official's id.")
def console_link(official_id: int):
    """Print a one-time sign-in link to the web console (valid 10 minutes): for the first admin,
    and for officials without Telegram."""
    services = current_services()
    now = services.clock()
    with services.uow() as uow:
        official = uow.repo.official(official_id)
        if official is None or not official.active:
            raise click.ClickException(f"no active official {official_id}")
        raw = staff.issue_sign_in(uow, official, now)
        staff.audit(uow, staff.AuditAction.LINK_ISSUED, now, official.id, via="cli")
        uow.commit()
    click.echo(staff.sign_in_link(services.config.console_url, raw))
    click.echo("one use, valid for 10 minutes", err=True)


@reports_cli.command("indicators")
@click.option("--period", required=True, help="2026-11, 2026-Q4 or 2026")
@click.option("--province", help="one province's figures (two-digit code); default: the whole country")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="file (default: stdout, CSV only)")
@click.option("--full", is_flag=True, help="show protection figures below 5 (default: '<5', as the file may travel)")
def reports_indicators(period: str, province: str | None, fmt: str, output: Path | None, full: bool):
    """Every indicator table of the programme for a period, as CSV (UTF-8 with BOM) or XLSX.
    Counts only: no phone numbers, names or message texts."""
    from bot.reports import build_dashboard, namer_for
    from bot.reports.exports import to_csv, to_xlsx
    from intake.indicators import Period, Scope

    try:
        p = Period.parse(period)
    except ValueError:
        raise click.UsageError("--period must look like 2026-11, 2026-Q4 or 2026") from None
    if province and not (len(province) == 2 and province.isdigit()):
        raise click.UsageError("--province is a two-digit code, e.g. 02")
    scope = Scope.province(province, full_protection=full) if province else Scope.national(full_protection=full)
    services = current_services()
    tables = build_dashboard(services.engine, p, scope, now=services.clock()).tables()
    with services.engine.connect() as conn:
        namer = namer_for(conn, services.deps.places)
    body = to_xlsx(tables, namer, title=f"JSC indicators {p.label}") if fmt == "xlsx" else to_csv(tables, namer)
    if output:
        output.write_bytes(body)
        click.echo(f"wrote {output} ({len(tables)} tables, {scope.label}, {p.label})")
    elif fmt == "xlsx":
        raise click.UsageError("XLSX needs --output")
    else:
        click.echo(body.decode("utf-8"), nl=False)


@keys_cli.command("generate")
def keys_generate():
    """Print new DATA_KEYS and PHONE_HASH_KEY values for a deployment's secrets (.env)."""
    from bot.keys import generate_environment

    click.echo(generate_environment(), nl=False)


@keys_cli.command("rotate")
@click.option("--rehash", is_flag=True, help="Also recompute the phone hashes (after PHONE_HASH_KEY changed).")
def keys_rotate(rehash: bool):
    """Re-seal every value under the current (first) key of DATA_KEYS; then the older keys can go."""
    from intake.rekey import key_use, reseal

    services = current_services()
    with services.engine.connect() as conn:
        done = reseal(conn, services.keyring, rehash=rehash)
        use = key_use(conn)
    click.echo("re-sealed: " + ", ".join(f"{name} {count}" for name, count in done.items()))
    click.echo("values per key: " + (", ".join(f"{kid} {n}" for kid, n in sorted(use.items())) or "none"))


@people_cli.command("forget")
@click.argument("phone")
@click.option("--requested-by", default="", help="Who asked, for the audit log (a name or a reference).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def people_forget(phone: str, requested_by: str, yes: bool):
    """Erase one person (a phone number, or a Telegram chat id): their messages' texts, their
    cases' narratives and notes, their number; the anonymous counts stay. Audited."""
    from intake.retention import forget_person
    from nlu.entities import find_phones

    # Numbers are stored as +855…: a number written as people write it ("012 345 678", "855…")
    # is read the same way; a Telegram chat id (digits, never starting with 0 or +) is taken as is.
    phone = phone.strip()
    if phone.startswith(("+", "0")) or not phone.lstrip("-").isdigit():
        numbers = find_phones(phone)
        if len(numbers) != 1:
            raise click.UsageError("give one Cambodian phone number (e.g. 012 345 678) or a Telegram chat id")
        phone = numbers[0]
    if not yes:
        click.confirm("This erases what this person wrote, for good. Go on?", abort=True)
    services = current_services()
    with services.uow() as uow:
        result = forget_person(uow, phone, services.clock(), requested_by=requested_by or "cli")
        uow.commit()
    if not result.contacts and not result.messages and not result.other_party_cases:
        click.echo("nobody with this number or chat id is stored (the request is still in the audit log)")
        return
    click.echo(
        f"erased: {result.contacts} contacts, {result.cases} cases, {result.messages} messages, "
        f"{result.other_party_cases} cases naming them as the other party"
    )


def register(app) -> None:
    """Attach the command groups to the app."""
    for group in (
        db_cli,
        directory_cli,
        officials_cli,
        messages_cli,
        telegram_cli,
        councils_cli,
        reports_cli,
        cases_cli,
        console_cli,
        keys_cli,
        people_cli,
    ):
        app.cli.add_command(group)
