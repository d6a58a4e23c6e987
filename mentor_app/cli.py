"""The `mentor-app` command: the desktop app, or headless work for scripts.

Every failure ends with one plain sentence on stderr and a non-zero exit;
nothing a person wrote in their notes is ever printed here.
"""

from __future__ import annotations

import argparse
import gc
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__, logs
from .directory.defaults import ensure_default_directory
from .errors import BadInput, MentorAppError, SecretNeeded, WrongPassphrase, WrongRecoveryCode
from .i18n import ENGLISH, LANGUAGES
from .paths import default_demo_dir, default_profile_dir
from .storage import audit, backups
from .storage.db import DatabaseError
from .storage.files import refuse_existing, write_new
from .storage.keystore import KeyringStatus
from .storage.passphrase import check_new_passphrase
from .storage.profile import ROLES, Profile, create_profile, open_profile
from .words import count

if TYPE_CHECKING:
    from .printing.sheet import SheetOptions

TTY_ATTEMPTS = 3


def _say(message: str = "") -> None:
    print(message, file=sys.stderr)


def _read_stdin_secret() -> str:
    line = sys.stdin.readline()
    secret = line.rstrip("\r\n")
    if not secret:
        raise BadInput("No passphrase was given on standard input.")
    return secret


def _new_passphrase(args) -> str:
    """A new passphrase, strong enough (storage/passphrase.py decides), from stdin or typed twice."""
    if getattr(args, "passphrase_stdin", False):
        new = _read_stdin_secret()
        check_new_passphrase(new)
        return new
    if not sys.stdin.isatty():
        raise BadInput(
            "A passphrase is needed. There is no terminal to ask on: give it on standard input with --passphrase-stdin."
        )
    first = getpass.getpass("Choose a passphrase: ")
    check_new_passphrase(first)  # before asking again: a weak one is refused with advice
    second = getpass.getpass("Type it again: ")
    if first != second:
        raise BadInput("The two passphrases are different. Nothing was changed; please try again.")
    return first


def profile_dir(args) -> Path:
    return Path(args.profile) if args.profile else default_profile_dir()


def open_for_command(args, prepare: bool = True) -> Profile:
    """Open the profile (keyring first, then the passphrase or recovery code), directory up to date."""
    profile = _unlock_for_command(args)
    if not prepare:
        return profile
    try:
        ensure_default_directory(profile)
    except BaseException:
        profile.close()
        raise
    return profile


def _unlock_for_command(args) -> Profile:
    folder = profile_dir(args)
    try:
        return open_profile(folder)
    except SecretNeeded as need:
        reason = need.message
    if getattr(args, "passphrase_stdin", False):
        profile = open_profile(folder, secret=_read_stdin_secret())
    elif sys.stdin.isatty():
        _say(reason)
        for attempt in range(1, TTY_ATTEMPTS + 1):
            try:
                profile = open_profile(folder, secret=getpass.getpass("Passphrase or recovery code: "))
                break
            except (WrongPassphrase, WrongRecoveryCode) as exc:
                if attempt == TTY_ATTEMPTS:
                    raise
                _say(_words(exc))
    else:
        raise SecretNeeded(
            reason.replace(" Please enter your passphrase or recovery code.", "")
            + " Give the passphrase on standard input with --passphrase-stdin."
        )
    _offer_keyring(profile)
    if profile.needs_recovery_code:
        _say("This profile has no recovery code at the moment. Make one with: mentor-app recovery-code")
    return profile


def _offer_keyring(profile: Profile) -> None:
    """After a passphrase unlock, put the key back in the keyring if it was meant to be there."""
    if not profile.meta.keyring_enabled:
        return
    status = profile.read_keyring_status()
    if status is KeyringStatus.OK:
        return
    if sys.stdin.isatty() and sys.stderr.isatty():
        answer = input(
            f"{status.explain()} Store the key in the keyring again, "
            "so you don't have to type your passphrase next time? [Y/n] "
        )
        if answer.strip().lower() in ("", "y", "yes"):
            stored = profile.set_keyring(True)
            _say(
                "The key is back in the keyring."
                if stored is KeyringStatus.OK
                else f"That didn't work: {stored.explain()}"
            )
            return
    _say(f"Note: {status.explain()} To store the key there again, run: mentor-app keyring on")


# -- commands ----------------------------------------------------------------


def cmd_init(args) -> int:
    passphrase = _new_passphrase(args)
    profile, code = create_profile(
        profile_dir(args), role=args.role, name=args.name, passphrase=passphrase, use_keyring=not args.no_keyring
    )
    with profile:
        ensure_default_directory(profile)
        print(f"Created a {args.role} profile in {profile.path}")
        print()
        print("Your recovery code. Write it down now and keep it away from this laptop:")
        print()
        print(f"    {code}")
        print()
        print("It is shown only this once. With it you can open your notes if you forget")
        print("your passphrase or this computer's keyring is reset.")
        status = profile.keyring_status
        if status is KeyringStatus.OK:
            print("The key is kept in this computer's keyring, so the app opens without a passphrase.")
        elif status is KeyringStatus.DISABLED:
            print("Keyring storage is off: you will be asked for your passphrase each time.")
        elif status is not None:  # set up always says how the keyring went
            _say(
                f"Note: the key could not be stored in the keyring. {status.explain()} "
                "You will be asked for your passphrase each time; "
                "to try the keyring again later, run: mentor-app keyring on"
            )
    return 0


def cmd_check(args) -> int:
    # Nothing but reading: a damaged file must still get its report.
    with open_for_command(args, prepare=False) as profile:
        report = profile.check()
        lines = [
            ("Encryption (every page's signature)", report.cipher_problems),
            ("Database structure", report.integrity_problems),
            ("Links between records", report.foreign_key_problems),
        ]
        for title, problems in lines:
            print(f"{title}: {'OK' if not problems else count(len(problems), 'problem')}")
            for p in problems[:20]:
                print(f"    {p}")
        if report.ok:
            print("All checks passed.")
            return 0
        good = backups.newest_good_backup(profile.path, profile.key)
        where = f" The newest good backup is {good.describe()}." if good else " No good backup was found."
        _say("The check found problems in your notes file." + where)
        return 1


def cmd_backup(args) -> int:
    if args.list:
        found = backups.list_backups(profile_dir(args))
        if not found:
            print("No backups yet.")
        for b in reversed(found):
            print(b.describe())
        return 0
    with open_for_command(args) as profile:
        path = profile.backup_now(to=Path(args.to) if args.to else None)
        print(f"Backup written: {path}")
    return 0


def cmd_restore(args) -> int:
    with open_for_command(args) as profile:
        if args.confirm:
            profile.confirm_restore()
            print("Restore confirmed. Automatic backups are on again.")
            return 0
        if args.undo:
            before = profile.undo_restore()
            print(f"Undone: your notes are back as they were before the restore ({before.name}).")
            return 0
        if not args.file:
            raise BadInput("Name the backup file to restore, for example: mentor-app restore FILE")
        before = profile.restore(Path(args.file))
        print(f"Restored from {args.file}.")
        print(f"What was there before is kept as {before}.")
        print("Automatic backups are paused until you confirm that the restored notes look right:")
        print("    mentor-app restore --confirm      (keep the restored notes)")
        print("    mentor-app restore --undo         (go back to how it was before)")
    return 0


def cmd_keyring(args) -> int:
    with open_for_command(args) as profile:
        if args.action == "on":
            status = profile.set_keyring(True)
            if status is not KeyringStatus.OK:
                raise MentorAppError(f"Couldn't store the key in the keyring. {status.explain()}")
            print("The key is stored in this computer's keyring.")
        elif args.action == "off":
            profile.set_keyring(False)
            print(
                "Keyring storage is off and the key was removed from the keyring. "
                "You will be asked for your passphrase each time."
            )
        else:
            print(profile.read_keyring_status().explain())
    return 0


def cmd_passphrase(args) -> int:
    with open_for_command(args) as profile:
        new = _new_passphrase(args) if not args.passphrase_stdin else _read_stdin_secret()
        profile.change_passphrase(new)
        print("Passphrase changed. Your notes themselves did not need re-encrypting.")
    return 0


def cmd_recovery_code(args) -> int:
    with open_for_command(args) as profile:
        code = profile.new_recovery_code()
        print("Your new recovery code (the old one no longer works). Write it down now:")
        print()
        print(f"    {code}")
    return 0


def cmd_rekey(args) -> int:
    with open_for_command(args) as profile:
        if args.passphrase_stdin:
            passphrase = _read_stdin_secret()
        elif sys.stdin.isatty():
            passphrase = getpass.getpass("Your current passphrase: ")
        else:
            raise BadInput(
                "Re-keying needs your current passphrase and a new one: give them on standard input, "
                "one a line, with --passphrase-stdin."
            )
        # Whoever may have the old key may know the old passphrase too: re-keying sets a new one.
        new = _new_passphrase(args)
        code = profile.rekey(passphrase, new_passphrase=new)
        print("Your notes and backups are now encrypted with a new key, and your new passphrase opens them.")
        print("Your new recovery code (the old one no longer works):")
        print()
        print(f"    {code}")
    return 0


def cmd_demo(args) -> int:
    # imported by the command that needs it: keeps every command's start fast
    from . import demo

    folder = Path(args.profile) if args.profile else default_demo_dir()
    profile, _ = create_profile(folder, role="mentor", name="Demo Mentor", passphrase=demo.DEMO_PASSPHRASE)
    demo.mark_as_demo(folder)
    with profile:
        ensure_default_directory(profile)
        counts = demo.generate(profile, seed=args.seed)
        keyring = profile.keyring_status is KeyringStatus.OK
    total = sum(counts.values())
    print(f"Made a demo profile in {folder} with {counts['mentee']} invented mentees and {total} records.")
    print(
        f"Its passphrase is: {demo.DEMO_PASSPHRASE}"
        + ("" if keyring else " (this computer has no keyring, so you will be asked for it)")
    )
    print(f'Open it with: mentor-app --profile "{folder}"')
    return 0


def cmd_dump(args) -> int:
    # imported by the command that needs it: keeps every command's start fast
    import json

    # imported by the command that needs it: keeps every command's start fast
    from .privacy.portability import dump, summary

    target = _new_output(args.output) if args.output else None
    with open_for_command(args) as profile:
        data = dump(profile)
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    if target is None:
        sys.stdout.write(text + "\n")
        return 0
    write_new(target, (text + "\n").encode("utf-8"))
    print(
        f"Wrote every record this profile holds: {summary(data)}, to {target}. It is NOT encrypted: keep it "
        "safe and delete it when done."
    )
    return 0


def _new_output(path: str) -> Path:
    """An -o target, checked early; the writers create it new with no-follow (storage/files.py create_new)."""
    return refuse_existing(Path(path))


def _sheet_options(profile, args, title: str, mentee_name: str = "") -> SheetOptions:
    # imported by the command that needs it: keeps every command's start fast
    from .printing.sheet import SheetOptions
    from .settings import load_settings

    settings = load_settings(profile)
    return SheetOptions(
        large_print=args.large_print,
        page_size="Letter" if args.letter else "A4",
        title=title,
        mentee_name=mentee_name,
        organisation=settings.organisation,
        emergency_numbers=settings.emergency_numbers,
        stale_after_months=settings.stale_after_months,
    )


def cmd_sheet(args) -> int:
    # imported by the command that needs it: keeps every command's start fast
    from .directory.preselect import preselect
    from .printing.sheet import build_sheet
    from .records import store

    target = _new_output(args.output)
    with open_for_command(args) as profile:
        mentee = store.get(profile.conn, args.mentee)
        if mentee is None or mentee.type != "mentee":
            raise BadInput("There is no mentee with that id in this profile (see: mentor-app mentees).")
        picked = [(cid, "") for cid in args.contact] if args.contact else preselect(profile.conn, mentee.id)
        contacts, missing = [], []
        for cid, _ in picked:
            stored = store.get(profile.conn, cid)
            if stored is None or stored.type != "contact":
                missing.append(cid)
            else:
                contacts.append((cid, stored.record))
        if missing:
            raise BadInput(
                f"These contact ids are not in the directory: {', '.join(missing)} (see: mentor-app directory list)."
            )
        if not contacts:
            raise BadInput(
                "No services to put on the sheet: name some with --contact (see: mentor-app directory list)."
            )
        options = _sheet_options(
            profile, args, "Services that can help you", mentee.record.title() if args.with_name else ""
        )
        options.groups = {cid: cat for cid, cat in picked if cat}
        options.language = args.language or mentee.record.language or ENGLISH
        build_sheet(contacts, target, options)
        audit.record(
            profile.conn, "sheet", actor=profile.author, mentee_id=mentee.id, detail=count(len(contacts), "service")
        )
    print(f"Signposting sheet with {count(len(contacts), 'service')} saved to {target}")
    return 0


def cmd_booklet(args) -> int:
    # imported by the command that needs it: keeps every command's start fast
    from .directory.contacts import list_contacts
    from .printing.sheet import build_booklet
    from .records import vocab

    target = _new_output(args.output)
    if args.category and args.category not in vocab.DIRECTORY_CATEGORIES:
        raise BadInput(f"Unknown category. Choose one of: {', '.join(vocab.DIRECTORY_CATEGORIES)}.")
    with open_for_command(args) as profile:
        found = list_contacts(profile.conn, category=args.category or "")
        title = (
            "Services near you"
            if not args.category
            else f"Services near you: {vocab.DIRECTORY_CATEGORIES[args.category]}"
        )
        options = _sheet_options(profile, args, title)
        options.language = args.language
        if args.category:
            options.groups = {s.id: args.category for s in found}
        build_booklet([(s.id, s.record) for s in found], target, options)
    print(f"Booklet with {count(len(found), 'service')} saved to {target}")
    return 0


def cmd_directory(args) -> int:
    # imported by the command that needs it: keeps every command's start fast
    from .directory import csv_io
    from .directory.contacts import freshness, list_contacts

    with open_for_command(args) as profile:
        if args.action == "publish":
            # imported by the command that needs it: keeps every command's start fast
            from .exchange.publish import publish

            path = publish(profile, args.file)
            print(f"Published the organisation's directory to {path}")
            return 0
        if args.action == "list":
            # imported by the command that needs it: keeps every command's start fast
            from .settings import load_settings

            months = load_settings(profile).stale_after_months
            for s in list_contacts(profile.conn, category=args.category or "", text=args.search or ""):
                flag = "  [check before use]" if freshness(s.record, stale_after=months).stale else ""
                print(f"{s.id}  {s.record.title()}{flag}")
            return 0
        if not args.file:
            raise BadInput(
                f"Name the CSV file to {args.action}, for example: mentor-app directory {args.action} FILE.csv"
            )
        if args.action == "export":
            exported = csv_io.export_csv(profile.conn, _new_output(args.file))
            print(f"Exported {count(exported, 'contact')} to {args.file}")
            return 0
        plan = csv_io.read_csv(Path(args.file), profile.conn)
        for problem in plan.problems:
            _say(problem.words())
        for row, contact, repeats in plan.duplicates:
            what = repeats if repeats.startswith("row ") else "an entry already in the directory"
            _say(f"Row {row}: {contact.title()} has the same organisation and phone as {what}.")
        result = csv_io.apply_plan(
            profile.conn,
            plan,
            author=profile.author,
            only_good_rows=args.only_good_rows,
            merge_duplicates=args.merge_duplicates,
        )
        print(result.words())
    return 0


def cmd_mentees(args) -> int:
    # imported by the command that needs it: keeps every command's start fast
    from .exchange import held
    from .records import caseload

    with open_for_command(args) as profile:
        if profile.role == "supervisor":
            # The people mentors shared by name (or in a safeguarding concern): the ids `sar --mentee` takes.
            for person in held.people(profile.conn):
                print(f"{person.mentee_id}  {person.name}  ({person.words()})")
            return 0
        for row in caseload.caseload(profile.conn):
            print(f"{row.id}  {row.name}  ({row.status})")
    return 0


def cmd_enrolment_file(args) -> int:
    # imported by the command that needs it: keeps every command's start fast
    import json

    # imported by the command that needs it: keeps every command's start fast
    from .exchange.enrolment import make_enrolment

    target = _new_output(args.output)
    with open_for_command(args) as profile:
        data = make_enrolment(profile, escrow_recipient=args.escrow or "")
    write_new(target, json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8"))
    print(f"Enrolment file for {data['organisation']} written to {target}.")
    print(f"Fingerprint to read out to each mentor: {data['fingerprint']}")
    return 0


def cmd_enrol(args) -> int:
    # imported by the command that needs it: keeps every command's start fast
    from .exchange.enrolment import accept_enrolment, escrow_words, read_enrolment_file

    # Nothing of the file's is shown before the mentor has typed the fingerprint the supervisor read out.
    enrolment = read_enrolment_file(Path(args.file))
    expected = args.fingerprint
    if not expected:
        if not sys.stdin.isatty():
            raise BadInput(
                "Give the fingerprint your supervisor reads out to you (in person or on the phone), "
                "with --fingerprint. Get it from your supervisor, not from the file or a message that "
                "came with it. Nothing was changed."
            )
        expected = input("Type the fingerprint your supervisor reads out to you: ")
    with open_for_command(args) as profile:
        outcome = accept_enrolment(profile, enrolment, expected, shared_folder=args.shared_folder or "")
    print(f"{'Enrolled with' if outcome == 'enrolled' else 'Updated the enrolment for'} {enrolment.organisation}.")
    if enrolment.escrow_recipient:
        print(escrow_words(enrolment))
    return 0


def cmd_fingerprint(args) -> int:
    # imported by the command that needs it: keeps every command's start fast
    from .exchange.keys import device_key, organisation_keys

    with open_for_command(args) as profile:
        if profile.role == "supervisor":
            print(organisation_keys(profile, create=True)[1].fingerprint)
        else:
            print(device_key(profile).fingerprint)
    return 0


def cmd_rotate_keys(args) -> int:
    # imported by the command that needs it: keeps every command's start fast
    from .exchange.enrolment import SHARED_FOLDER
    from .exchange.rekey import rotate_keys
    from .exchange.rotation import write_statements

    with open_for_command(args) as profile:
        if profile.role != "supervisor":
            raise BadInput("Only a supervisor profile holds the organisation's keys.")
        if args.write_statements:
            shared = args.shared or profile.get_setting(SHARED_FOLDER)
            if not shared or not Path(shared).is_dir():
                raise BadInput(
                    "The shared folder can't be found. Connect the shared drive, or name it with --shared DIR."
                )
            written = write_statements(profile, Path(shared))
            print(f"{count(len(written), 'key statement')} written to the shared folder again.")
            return 0
        result = rotate_keys(profile, args.shared)
    print(result.words())
    return 0


def cmd_export(args) -> int:
    # imported by the command that needs it: keeps every command's start fast
    from .exchange.status import attention
    from .exchange.trip import trip
    from .settings import load_settings

    with open_for_command(args) as profile:
        result = trip(profile, to=args.to)
        # What the Sharing screen shows (concerns not yet received, files ignored, records refused) is said here too.
        notes = attention(profile, load_settings(profile).warn_unreceived_days)
    print(result.words())
    for note in notes:
        _say(note)
    return 0


def cmd_import(args) -> int:
    # imported by the command that needs it: keeps every command's start fast
    from .exchange.importer import accept_gap, import_folder, quarantine_list, retry_set_aside

    with open_for_command(args) as profile:
        if profile.role != "supervisor":
            raise BadInput("Importing mentors' logs is for supervisor profiles.")
        if args.list_quarantine:
            for name, reason in quarantine_list(profile.conn):
                print(f"{name}: {reason}")
            return 0
        if args.accept_gap:
            fp, raw_sequence = args.accept_gap
            if not raw_sequence.isdigit():
                raise BadInput("Give the batch number as a whole number, for example: --accept-gap FP 7 --reason ...")
            print(accept_gap(profile, fp, int(raw_sequence), args.reason or ""))
        if args.retry:
            n = retry_set_aside(profile)
            print(f"{n} set-aside file{'' if n == 1 else 's'} will be looked at again.")
        if not args.folder:
            if args.accept_gap or args.retry:
                return 0
            raise BadInput("Name the shared folder to import, for example: mentor-app import /path/to/shared")
        summary = import_folder(profile, Path(args.folder))
        # imported by the command that needs it: keeps every command's start fast
        from .privacy.erasure import after_import

        kept_in_line = after_import(profile, summary)  # withdrawals and erasures reach the backups too
    for name, reason in summary.quarantined + summary.waiting + summary.refused:
        _say(f"{name}: {reason}")
    print(summary.words() + (f" {HINTS[summary.hint]}" if summary.hint else ""))
    if kept_in_line.not_rewritten:
        _say(kept_in_line.words())
    return 0


def cmd_mentors(args) -> int:
    # imported by the command that needs it: keeps every command's start fast
    from .exchange import mentors

    with open_for_command(args) as profile:
        if profile.role != "supervisor":
            raise BadInput("The register of mentors is kept in supervisor profiles.")
        if args.action == "approve":
            # FP is what the mentor read out from their own app; a wrong one is refused with no hint.
            device = mentors.approve(profile.conn, args.fingerprint or "", args.name or "")
            print(f"Approved {device.mentor_name} ({device.fingerprint}). Import again to bring in their batches.")
        elif args.action == "revoke":
            device = mentors.revoke(profile.conn, args.fingerprint or "", args.from_sequence, args.after or "")
            point = (
                f"batches from number {args.from_sequence} on"
                if args.from_sequence is not None
                else f"batches written after {args.after}"
                if args.after
                else "batches not yet imported"
            )
            print(f"Revoked {device.fingerprint}: its {point} will be refused; earlier ones still import.")
        else:
            for d in mentors.list_devices(profile.conn):
                print(f"{d.shown_fingerprint}  {d.status:<8}  {d.mentor_name}  ({d.delivery_words()})")
    return 0


def cmd_report(args) -> int:
    # imported by the command that needs it: keeps every command's start fast
    import re

    # imported by the command that needs it: keeps every command's start fast (funder loads the PDF toolkit)
    from .reports import funder
    from .reports.figures import supervisor_figures
    from .settings import load_settings

    for value in (args.start, args.end):
        if value and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
            raise BadInput("Give months like 2026-04 for --from and --to.")
    target = _new_output(args.output)
    csv_target = _new_output(args.csv) if args.csv else None
    with open_for_command(args) as profile:
        if profile.role != "supervisor":
            raise BadInput("Funder reports are made from a supervisor profile, after importing the mentors' logs.")
        figures = supervisor_figures(profile.conn, args.start or "", args.end or "")
        organisation = load_settings(profile).organisation or profile.display_name
    period = f"{args.start or 'the start'} to {args.end or 'now'}"
    funder.write_pdf(figures, target, organisation=organisation, period=period)
    print(f"Report saved to {target}")
    if csv_target:
        funder.write_csv(figures, csv_target, period)
        print(f"Figures saved to {csv_target}")
    return 0


def cmd_jdl(args) -> int:
    # imported by the command that needs it: keeps every command's start fast
    from .reports import jdl
    from .settings import load_settings

    recording = args.record_basis is not None
    if not recording and not args.output:
        raise BadInput("Say where to save the file with -o FILE.xlsx (or record the basis with --record-basis).")
    if recording and (args.output or args.start or args.end):
        raise BadInput("Record the lawful basis on its own first, then make the file with -o FILE.xlsx.")
    target = None if recording else _new_output(args.output)
    with open_for_command(args) as profile:
        if profile.role != "supervisor":
            raise BadInput(
                "The Justice Data Lab file is made from a supervisor profile, after importing the mentors' logs."
            )
        if recording:
            jdl.record_lawful_basis(profile.conn, args.record_basis, profile.display_name, actor=profile.author)
            basis, recorded = jdl.lawful_basis(profile.conn)
            if basis:
                print(f"Lawful basis for the Justice Data Lab recorded ({recorded}): {basis}")
            else:
                print("Lawful basis withdrawn: only people with consent to the Justice Data Lab go in the file now.")
            return 0
        assert target is not None
        cohort = jdl.cohort(profile.conn, args.start or "", args.end or "")
        organisation = load_settings(profile).organisation or profile.display_name
        jdl.save(profile.conn, cohort, target, organisation, actor=profile.author)
    print(f"Justice Data Lab file saved to {target}: {count(cohort.people, 'person', 'people')}.")
    for line in cohort.basis_words():
        print(f"  {line}")
    for warning in cohort.warnings:
        print(f"Warning: {warning}")
    print("Compare its column headers with the current Justice Data Lab template on GOV.UK before sending.")
    return 0


def _column_choices(pairs: list[str]) -> dict[str, str]:
    chosen = {}
    for pair in pairs:
        column, sep, target = pair.partition("=")
        if not sep or not column.strip():
            raise BadInput(
                f'"{pair}" should be COLUMN=FIELD, like --map "Client ref=name" (or "Column=" to leave it out).'
            )
        chosen[column.strip()] = target.strip()
    return chosen


def cmd_import_records(args) -> int:
    # imported by the command that needs it: keeps every command's start fast
    from .records import importing

    table = importing.read(args.file)
    with open_for_command(args) as profile:
        if profile.role == "supervisor":
            raise BadInput(
                "People and meetings are brought in to a mentor's profile; a supervisor's comes from their logs."
            )
        kind = args.type or importing.guess_kind(table.headings)
        columns = importing.match_columns(profile.conn, table.headings, kind, _column_choices(args.map or []))
        problem = columns.problem()
        if problem:
            lines = [f"{table.name}: {problem}", "Columns as read:"]
            for heading, target in zip(columns.headings, columns.chosen, strict=True):
                shown = (
                    "not understood"
                    if target is None
                    else ("left out" if target == importing.LEFT_OUT else importing.field_label(kind, target))
                )
                lines.append(f"  {heading or '(no heading)'}: {shown}")
            lines.append(
                'Say what a column is with --map "COLUMN=FIELD" (FIELD is one of: '
                + ", ".join(importing.targets(kind))
                + '), or leave it out with --map "COLUMN=". Nothing was saved.'
            )
            raise BadInput("\n".join(lines))
        plan = importing.plan(profile.conn, table, columns)
        for line in importing.preview_lines(plan):
            print(line)
        for line in importing.first_rows(plan):
            print(f"  {line}")
        if args.dry_run:
            print("Nothing was saved (--dry-run).")
            return 0
        saved = importing.save(profile.conn, plan, author=profile.author, only_good_rows=args.only_good_rows)
    print(saved.words(kind) + " The column choices are kept for the next file like this one.")
    return 0


def cmd_calendar(args) -> int:
    # imported by the command that needs it: keeps every command's start fast
    from .reports import calendar

    target = _new_output(args.output)
    with open_for_command(args) as profile:
        if profile.role != "mentor":
            raise BadInput("A calendar is made from a mentor's profile: it holds the mentor's own meetings.")
        found = calendar.save(profile.conn, target, with_names=args.with_names, actor=profile.author)
    print(f"Calendar saved to {target}: {calendar.summary_words(found)} from today on.")
    _say(f"Warning: {calendar.warning_words(args.with_names)}")
    return 0


def cmd_handover(args) -> int:
    # imported by the command that needs it: keeps every command's start fast
    from .exchange.handover import make_handover

    target = _new_output(args.output)
    with open_for_command(args) as profile:
        code = make_handover(profile, args.mentee, target)
    print(f"Hand-over file written to {target}. Their records have been removed from this profile.")
    print("Give the file to the new mentor and tell them this one-time code (not in the same message):")
    print()
    print(f"    {code}")
    return 0


def cmd_receive(args) -> int:
    # imported by the command that needs it: keeps every command's start fast
    from .exchange.handover import receive_handover

    with open_for_command(args) as profile:
        # After the passphrase line, when both come on standard input.
        if args.code_stdin:
            code = sys.stdin.readline().strip()
        elif sys.stdin.isatty():
            code = getpass.getpass("The hand-over code: ")
        else:
            raise BadInput("The hand-over code is needed: give it on standard input with --code-stdin.")
        name = receive_handover(profile, Path(args.file), code)
    print(f"{name} is now in your caseload.")
    return 0


def cmd_audit(args) -> int:
    target = _new_output(args.output) if args.output else None
    with open_for_command(args) as profile:
        found = audit.entries(
            profile.conn,
            action=args.action or "",
            mentee_id=args.mentee or "",
            since=args.since or "",
            until=args.until or "",
        )
        if target is not None:
            count = audit.export_csv(found, target)
            audit.record(
                profile.conn,
                "audit_export",
                actor=profile.author,
                mentee_id=args.mentee or "",
                detail=f"{count} entries",
            )
            print(f"Wrote {count} audit entries to {target}")
            return 0
        for e in found:
            about = f" person {e.mentee_id}" if e.mentee_id else ""
            record = f" {e.record_type} {e.record_id}" if e.record_id and e.record_id != e.mentee_id else ""
            print(f"{e.at}  {e.action:<15}{about}{record}{'  (' + e.detail + ')' if e.detail else ''}")
    return 0


def cmd_sar(args) -> int:
    # imported by the command that needs it: keeps every command's start fast
    from .privacy.sar import write_subject_access

    with open_for_command(args) as profile:
        pdf, js, files = write_subject_access(profile, args.mentee, Path(args.output), args.language)
    print(f"Wrote {pdf} (to read) and {js} (machine-readable).")
    if files:
        print(
            f"Beside them, {count(len(files), 'attachment')} as attached (scans, photos, PDFs), each in a file of "
            f"its own named in the copy: {', '.join(f.name for f in files)}."
        )
    print("Read it through before sharing: other people's names are replaced, but check the notes yourself.")
    return 0


def cmd_retention(args) -> int:
    # imported by the command that needs it: keeps every command's start fast
    from .privacy import retention

    report_to = _new_output(args.report) if args.report else None
    with open_for_command(args) as profile:
        if args.keep_received_days is not None:
            # imported by the command that needs it: keeps every command's start fast
            from .exchange import outbox

            if profile.role != "supervisor":
                raise BadInput(
                    "How long received batches are kept is the organisation's choice: set it in the "
                    "supervisor's profile, and it reaches mentors with the next directory publication."
                )
            if not 1 <= args.keep_received_days <= outbox.MAX_KEEP_DAYS:
                raise BadInput(f"--keep-received-days: choose between 1 and {outbox.MAX_KEEP_DAYS} days.")
            profile.set_setting(outbox.KEEP_RECEIVED, str(args.keep_received_days))
            print(
                f"Mentors' apps remove a batch from the shared drive {count(args.keep_received_days, 'day')} "
                "after you received it, once your next directory publication reaches them."
            )
        policy = retention.load_policy(profile)
        if args.set or args.automatic:
            for item in args.set:
                rtype, _, years = item.partition("=")
                if rtype not in policy.years or not years.isdigit():
                    raise BadInput(f"--set {item}: write TYPE=YEARS with one of: {', '.join(policy.years)}.")
                policy.years[rtype] = int(years)
            if args.automatic:
                policy.automatic = args.automatic == "on"
            retention.save_policy(profile, policy)
        items = retention.due(profile.conn, policy)
        if args.delete:
            report = retention.delete_due(profile, items)
            print(report.words())
            rows = report.removed
        else:
            for rtype, years in policy.years.items():
                print(f"{rtype:<16} kept {count(years, 'year')}")
            print(f"Automatic deletion: {'on' if policy.automatic else 'off'}")
            people = len({d.mentee_id for d in items if d.mentee_id})
            print(
                f"{count(len(items), 'record')} of {count(people, 'person', 'people')} past their retention period"
                + (": run again with --delete to delete them." if items else ".")
            )
            rows = items
        if report_to is not None:
            # imported by the command that needs it: keeps every command's start fast
            from .storage.csvsafe import write_csv

            write_csv(
                report_to,
                [["record_type", "record_id", "mentee_id", "clock_started", "years", "deleted"]]
                + [
                    [d.record_type, d.record_id, d.mentee_id, d.since, d.years, "yes" if args.delete else "no"]
                    for d in rows
                ],
                bom=False,
            )
    return 0


def cmd_erase(args) -> int:
    # imported by the command that needs it: keeps every command's start fast
    from .privacy.erasure import erase_mentee

    with open_for_command(args) as profile:
        result = erase_mentee(profile, args.mentee, args.reason)
    print(result.words())
    if result.at_supervisor:
        print("Their supervisor's copy is erased with the next export to the shared drive.")
    return 0 if not result.backups_not_rewritten else 1


def cmd_selftest(args) -> int:
    # imported by the command that needs it: keeps every command's start fast
    from .ui.selftest import run_selftest

    # The profile is opened (and closed by the main window) like any command's.
    return run_selftest(open_for_command(args))


def cmd_gui(args) -> int:
    gc.disable()  # off from the first import on; once the app runs, the UI thread collects (ui/collector.py)
    # imported by the command that needs it: keeps every command's start fast
    from .ui.app import run_app

    return run_app(profile_dir(args), Path(args.file) if getattr(args, "file", None) else None)


# -- parser ------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--profile",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="the profile folder (default: your user data folder)",
    )
    stdin = argparse.ArgumentParser(add_help=False)
    stdin.add_argument(
        "--passphrase-stdin",
        action="store_true",
        help="read the passphrase (or recovery code) from the first line of standard input",
    )

    parser = argparse.ArgumentParser(
        prog="mentor-app",
        description="Mentor App: encrypted notes for peer mentors. With no command, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"Mentor App {__version__}")
    parser.add_argument(
        "--profile", metavar="DIR", default=None, help="the profile folder (default: your user data folder)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("init", parents=[common, stdin], help="create a new encrypted profile")
    p.add_argument("--role", choices=ROLES, required=True)
    p.add_argument("--name", required=True, help="your name (or the organisation's, for a supervisor)")
    p.add_argument("--no-keyring", action="store_true", help="don't keep the key in this computer's keyring")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("check", parents=[common, stdin], help="check the profile's database for damage")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("backup", parents=[common, stdin], help="take an encrypted backup now")
    p.add_argument("--to", metavar="FILE", help="write the backup to this new file instead of the profile")
    p.add_argument("--list", action="store_true", help="list the backups in the profile")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", parents=[common, stdin], help="restore the notes from a backup")
    p.add_argument("file", nargs="?", metavar="FILE")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--confirm", action="store_true", help="keep the restored notes and resume automatic backups")
    g.add_argument("--undo", action="store_true", help="go back to how the notes were before the last restore")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("keyring", parents=[common, stdin], help="keep the key in this computer's keyring, or not")
    p.add_argument("action", choices=("status", "on", "off"), nargs="?", default="status")
    p.set_defaults(func=cmd_keyring)

    p = sub.add_parser("passphrase", parents=[common], help="change the passphrase")
    p.add_argument(
        "--passphrase-stdin",
        action="store_true",
        help="read the current passphrase (if needed) and then the new one from standard input",
    )
    p.set_defaults(func=cmd_passphrase)

    p = sub.add_parser("recovery-code", parents=[common, stdin], help="make a new recovery code")
    p.set_defaults(func=cmd_recovery_code)

    p = sub.add_parser("demo", parents=[common], help="make a demo profile full of invented people")
    p.add_argument("--seed", type=int, default=1, help="another number makes other invented records")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "dump",
        parents=[common, stdin],
        help="write everything this profile holds as JSON (a supervisor's: all that mentors shared too)",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="a new file to write (default: standard output)")
    p.set_defaults(func=cmd_dump)

    p = sub.add_parser(
        "mentees",
        parents=[common, stdin],
        help="list mentees with their ids (a supervisor's: the people mentors shared, and from whom)",
    )
    p.set_defaults(func=cmd_mentees)

    p = sub.add_parser("sheet", parents=[common, stdin], help="make a signposting sheet (PDF) for a mentee")
    p.add_argument("--mentee", required=True, metavar="ID")
    p.add_argument(
        "--contact",
        action="append",
        default=[],
        metavar="ID",
        help="a directory contact to include (repeat; default: their open referrals and needs)",
    )
    p.add_argument("--large-print", action="store_true", help="16 pt text or larger")
    p.add_argument("--letter", action="store_true", help="US Letter paper instead of A4")
    p.add_argument("--with-name", action="store_true", help="print the mentee's name on the sheet")
    p.add_argument(
        "--language", choices=tuple(LANGUAGES), help="en or cy: print it in English or Welsh (default: their language)"
    )
    p.add_argument("-o", "--output", required=True, metavar="FILE.pdf")
    p.set_defaults(func=cmd_sheet)

    p = sub.add_parser("booklet", parents=[common, stdin], help="print the directory (or one category) as a booklet")
    p.add_argument("--category", metavar="CODE", help="only this category")
    p.add_argument("--large-print", action="store_true")
    p.add_argument("--letter", action="store_true")
    p.add_argument("--language", choices=tuple(LANGUAGES), default=ENGLISH, help="en or cy: English or Welsh")
    p.add_argument("-o", "--output", required=True, metavar="FILE.pdf")
    p.set_defaults(func=cmd_booklet)

    p = sub.add_parser("directory", parents=[common, stdin], help="list, import or export the signposting directory")
    p.add_argument("action", choices=("list", "import", "export", "publish"))
    p.add_argument("file", nargs="?", metavar="FILE.csv")
    p.add_argument("--category", metavar="CODE", help="list: only this category")
    p.add_argument("--search", metavar="TEXT", help="list: only contacts matching these words")
    p.add_argument("--only-good-rows", action="store_true", help="import: leave out rows with problems")
    p.add_argument(
        "--merge-duplicates",
        action="store_true",
        help="import: merge rows with the same organisation and phone into the existing entry",
    )
    p.set_defaults(func=cmd_directory)

    p = sub.add_parser(
        "import-records", parents=[common, stdin], help="bring in people or meetings from a spreadsheet (CSV or .xlsx)"
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--type", choices=("mentee", "meeting"), help="what the rows are (default: guessed from the headings)"
    )
    p.add_argument(
        "--map",
        action="append",
        metavar="COLUMN=FIELD",
        help='what a column is, e.g. --map "Client=name"; --map "Column=" leaves it out (may be repeated)',
    )
    p.add_argument("--dry-run", action="store_true", help="show what would be brought in, row by row, and save nothing")
    p.add_argument("--only-good-rows", action="store_true", help="save the good rows and leave out those with problems")
    p.set_defaults(func=cmd_import_records)

    p = sub.add_parser(
        "enrolment-file", parents=[common, stdin], help="supervisor: write the public enrolment file for mentors"
    )
    p.add_argument("-o", "--output", required=True, metavar="FILE")
    p.add_argument("--escrow", metavar="AGE_RECIPIENT", help="also encrypt every batch to this age recipient")
    p.set_defaults(func=cmd_enrolment_file)

    p = sub.add_parser("enrol", parents=[common, stdin], help="mentor: accept the organisation's enrolment file")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--fingerprint", metavar="FP", help="the fingerprint the supervisor read out (no prompt)")
    p.add_argument("--shared-folder", metavar="DIR", help="where exports go (the shared drive folder)")
    p.set_defaults(func=cmd_enrol)

    p = sub.add_parser("fingerprint", parents=[common, stdin], help="print this profile's key fingerprint")
    p.set_defaults(func=cmd_fingerprint)

    p = sub.add_parser(
        "rotate-keys",
        parents=[common, stdin],
        help="supervisor: new organisation keys, announced to mentors' apps with the old key",
    )
    p.add_argument("--shared", metavar="DIR", help="the shared folder (default: the one imported from)")
    p.add_argument(
        "--write-statements",
        action="store_true",
        help="only put back on the shared folder the key statements missing there",
    )
    p.set_defaults(func=cmd_rotate_keys)

    p = sub.add_parser("export", parents=[common, stdin], help="share what is new with the supervisor, now")
    p.add_argument("--to", metavar="DIR", help="the shared folder (default: the one set at enrolment)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("import", parents=[common, stdin], help="supervisor: import every mentor's batches")
    p.add_argument("folder", nargs="?", metavar="DIR")
    p.add_argument("--list-quarantine", action="store_true", help="list the files set aside, with the reason")
    p.add_argument(
        "--accept-gap",
        nargs=2,
        metavar=("FINGERPRINT", "SEQUENCE"),
        help="accept that this batch from this device is lost, so later ones can import (audited)",
    )
    p.add_argument("--reason", help="with --accept-gap: why (kept in the audit trail)")
    p.add_argument("--retry", action="store_true", help="look again at every file set aside")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("mentors", parents=[common, stdin], help="supervisor: list, approve or revoke mentor keys")
    p.add_argument("action", nargs="?", choices=("list", "approve", "revoke"), default="list")
    p.add_argument(
        "fingerprint",
        nargs="?",
        metavar="FP",
        help="approve: the fingerprint the mentor reads out from their app; revoke: the device's",
    )
    p.add_argument("--name", help="approve: the mentor's name")
    point = p.add_mutually_exclusive_group()
    point.add_argument("--from-sequence", type=int, metavar="N", help="revoke: refuse batch N and later")
    point.add_argument("--after", metavar="YYYY-MM-DD", help="revoke: refuse batches written after this day")
    p.set_defaults(func=cmd_mentors)

    p = sub.add_parser("report", parents=[common, stdin], help="supervisor: the funder report (PDF, and CSV)")
    p.add_argument("--from", dest="start", metavar="YYYY-MM")
    p.add_argument("--to", dest="end", metavar="YYYY-MM")
    p.add_argument("-o", "--output", required=True, metavar="FILE.pdf")
    p.add_argument("--csv", metavar="FILE.csv", help="the same figures as a spreadsheet")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser(
        "jdl", parents=[common, stdin], help="supervisor: the Justice Data Lab submission (a spreadsheet)"
    )
    p.add_argument("--from", dest="start", metavar="YYYY-MM", help="index dates from this month")
    p.add_argument("--to", dest="end", metavar="YYYY-MM", help="index dates up to this month")
    p.add_argument("-o", "--output", metavar="FILE.xlsx")
    p.add_argument(
        "--record-basis",
        metavar="TEXT",
        help="record the organisation's lawful basis for sending people without that consent (empty: withdraw it)",
    )
    p.set_defaults(func=cmd_jdl)

    p = sub.add_parser(
        "calendar",
        parents=[common, stdin],
        help="mentor: upcoming meetings and due actions as a calendar file for a phone (initials only)",
    )
    p.add_argument(
        "--with-names",
        action="store_true",
        help="full names and meeting places instead of initials (a phone's calendar copies them to the cloud)",
    )
    p.add_argument("-o", "--output", required=True, metavar="FILE.ics")
    p.set_defaults(func=cmd_calendar)

    p = sub.add_parser("handover", parents=[common, stdin], help="hand a mentee over to another mentor")
    p.add_argument("--mentee", required=True, metavar="ID")
    p.add_argument("-o", "--output", required=True, metavar="FILE")
    p.set_defaults(func=cmd_handover)

    p = sub.add_parser("receive", parents=[common], help="take in a mentee handed over by another mentor")
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--code-stdin",
        action="store_true",
        help="read the hand-over code from standard input (after the passphrase, if one is asked)",
    )
    p.add_argument(
        "--passphrase-stdin", action="store_true", help="read the passphrase from the first line of standard input"
    )
    p.set_defaults(func=cmd_receive)

    p = sub.add_parser("selftest", parents=[common, stdin], help="open every main screen offscreen and check it draws")
    p.set_defaults(func=cmd_selftest)

    p = sub.add_parser("audit", parents=[common, stdin], help="the audit trail: who did what to which record, when")
    p.add_argument("--action", choices=sorted(audit.ACTIONS), help="only this kind of action")
    p.add_argument("--mentee", metavar="ID", help="only entries about this person")
    p.add_argument("--from", dest="since", metavar="YYYY-MM-DD", help="from this day")
    p.add_argument("--to", dest="until", metavar="YYYY-MM-DD", help="up to and including this day")
    p.add_argument("-o", "--output", metavar="FILE.csv", help="write them as a spreadsheet for an investigation")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser(
        "sar", parents=[common, stdin], help="subject access: everything held about one person, as a PDF and JSON"
    )
    p.add_argument("--mentee", required=True, metavar="ID")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="the folder to write them into")
    p.add_argument(
        "--language",
        choices=tuple(LANGUAGES),
        help="en or cy: write it in English or Welsh (default: their language)",
    )
    p.set_defaults(func=cmd_sar)

    p = sub.add_parser(
        "retention",
        parents=[common, stdin],
        help="what is past its retention period; --delete deletes it (tombstones reach the supervisor)",
    )
    p.add_argument("--delete", action="store_true", help="delete what is due (each deletion goes in the audit trail)")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="TYPE=YEARS",
        help="keep this record type for YEARS after a case closes (repeat)",
    )
    p.add_argument("--automatic", choices=("on", "off"), help="delete what is due without asking, at each unlock")
    p.add_argument("--report", metavar="FILE.csv", help="write the list (ids and dates, no content) to a new file")
    p.add_argument(
        "--keep-received-days",
        type=int,
        metavar="DAYS",
        help="supervisor: days a received batch stays on the shared drive (default 30; published)",
    )
    p.set_defaults(func=cmd_retention)

    p = sub.add_parser(
        "erase",
        parents=[common, stdin],
        help="erase one person everywhere in this profile and its backups, and at the supervisor",
    )
    p.add_argument("--mentee", required=True, metavar="ID")
    p.add_argument("--reason", required=True, metavar="TEXT", help="why (kept in the audit trail)")
    p.set_defaults(func=cmd_erase)

    p = sub.add_parser(
        "open",
        parents=[common],
        help="open the desktop app; with a mentor's log, import it (what double-clicking a .mentorlog file does)",
    )
    p.add_argument("file", nargs="?", metavar="FILE", help="a mentor's log (.mentorlog) to import")
    p.set_defaults(func=cmd_gui)

    p = sub.add_parser("rekey", parents=[common], help="re-encrypt everything with a new key and a new passphrase")
    p.add_argument(
        "--passphrase-stdin",
        action="store_true",
        help="read from standard input, one a line: the passphrase to open the profile (only if the "
        "keyring can't), the current passphrase, then the new one",
    )
    p.set_defaults(func=cmd_rekey)
    return parser


# What to do next, in the command line's words (the window has its own: ui/messages.HINTS).
HINTS = {
    "enrol": "Ask your supervisor for an enrolment file, then run: mentor-app enrol FILE",
    "enrolment_file": "Write the enrolment file first: mentor-app enrolment-file -o FILE",
    "set_aside": "See: mentor-app import --list-quarantine",
    "restore": 'To go back to it, run: mentor-app restore "{detail}"',
    "init": "Create one with 'mentor-app init', or choose the right folder with --profile.",
    "mentees": "See: mentor-app mentees",
}


def _words(exc: MentorAppError) -> str:
    hint = HINTS.get(exc.hint, "")
    return f"{exc.message} {hint.format(detail=exc.detail)}" if hint else exc.message


def main(argv: list[str] | None = None) -> int:
    # Everything the app creates is private to this user.
    os.umask(0o077)
    logs.setup("cli")
    args = build_parser().parse_args(argv)
    func = getattr(args, "func", cmd_gui)
    try:
        return func(args)
    except MentorAppError as exc:
        _say(_words(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        _say("Stopped. Nothing was lost.")
        return 130
    except DatabaseError:
        _say(
            "Your notes file couldn't be read: part of it may be damaged. Nothing was deleted. "
            "Run 'mentor-app check' to see what is wrong and which backup to restore."
        )
        return 1
    except Exception as exc:  # noqa: BLE001 - last line of defence: no traceback, no content
        logs.get_logger(__name__).error("unexpected error", exc_info=True)  # type and app frames only
        _say(
            f"Something unexpected went wrong ({type(exc).__name__}). Nothing was deleted. "
            "Please tell your IT contact what you were doing."
        )
        return 70


if __name__ == "__main__":
    sys.exit(main())
