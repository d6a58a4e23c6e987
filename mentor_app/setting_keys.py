"""Every key of a profile's settings table, in one place.

The settings table (inside the encrypted database) holds the profile's own settings and the
state the exchange keeps between trips. Old profiles hold these exact strings: a key's value
never changes; a new key is added here. Modules use these names (some under their older
local names), never the strings.

Keys ending in "." are prefixes: the rest of the key is a field name, a record type or an id.
"""

from __future__ import annotations

# The profile itself.
PROFILE_NAME = "profile.name"  # the name shown for this profile (and written as the author of records)
PROFILE_ROLE = "profile.role"  # "mentor" or "supervisor"
SETTINGS_PREFIX = "settings."  # + a field of settings.Settings: what the Settings window shows

# The Justice Data Lab (supervisor): the lawful basis the organisation's data protection officer chose for
# sending people without that consent (empty: only those who consented go), and who recorded it, when.
JDL_LAWFUL_BASIS = "jdl.lawful_basis"
JDL_BASIS_RECORDED = "jdl.basis_recorded"  # "name, ISO time"

# The organisation's own questions (records/own_fields.py): their definitions, as JSON. A supervisor's are
# its own; a mentor's come with the organisation's signed directory publication.
OWN_FIELDS = "own_fields.definitions"

# Spreadsheet imports of people and meetings (records/importing.py): + "mentee" or "meeting": the column
# choices kept from the last import, as JSON (a heading, squashed, to the field it was brought in as).
IMPORT_COLUMNS_PREFIX = "import.columns."

# Retention.
RETENTION_YEARS_PREFIX = "retention."  # + a record type: years kept after a person's notes are closed
RETENTION_AUTOMATIC = "retention.automatic"  # "1": delete what is due at each unlock (the setting in force)
RETENTION_OFFERED = (
    "retention.automatic_offered"  # "1": the organisation's last publication asks for automatic deletion
)
RETENTION_CONFIRMED = "retention.automatic_confirmed"  # "1": this profile's user has said yes to automatic deletion

# The signposting directory.
DEFAULT_DIRECTORY_SHA256 = "directory.default_file_sha256"  # the shipped directory file last loaded

# The organisation's and this device's keys.
ORG_AGE = "exchange.org_age_identities"  # newest first, one per line
ORG_SIGNING = "exchange.org_signing_key"
ORG_OLD_SIGNING = "exchange.org_old_signing_keys"  # supervisor: earlier signing keys, newest first, one per line
DEVICE_SIGNING = "exchange.device_signing_key"
PSEUDONYM_SECRET = "exchange.pseudonym_secret"
PSEUDONYM_OVERRIDE = "exchange.pseudonym."  # + a mentee id: the pseudonym a handed-over person keeps

# Enrolment and key rotation.
ENROLMENT = "exchange.enrolment"
SHARED_FOLDER = "exchange.shared_folder"
APPROVED_KEYS = "exchange.approved_device_keys"  # fingerprint -> the full public key the supervisor approved
ROTATIONS = "exchange.key_rotations"  # mentor: the statements taken since the enrolment file, in order
BAD_ROTATION_FILES = "exchange.bad_key_rotations"  # mentor: files found useless (name, size, time), not read again
ROTATION_STATEMENTS = "exchange.rotation_statements"  # supervisor: every statement this profile made, oldest first

# Sharing batches (the mentor's side).
CURSOR = "exchange.cursor"
SEQUENCE = "exchange.sequence"
PREVIOUS = "exchange.previous_sha256"
SHARED_MENTEES = "exchange.shared_mentees"
PENDING = "exchange.pending_batch"
LAST_EXPORT = "exchange.last_export"
# People erased on request, waiting to be erased at the supervisor too:
# [{"mentee_id", "pseudonym", "records": [every id of theirs]}], ids only.
ERASURES = "exchange.erasures"
# Hand-over statements waiting for the next batch: announcements (sent) and proofs (received), no content.
HANDOVERS = "exchange.handovers"
HANDOVERS_RECEIVED = "exchange.handovers_received"  # hand-over parts taken in here: a file is taken in once
# Records the record check would not let the app seal (a bug, not the mentor's doing): [{"id", "reason"}].
HELD_BACK = "exchange.held_back"
BAD_RECEIPTS = "exchange.bad_receipts"  # receipt files already found invalid (name, size, time), not read again
STRANGERS = "exchange.strangers"  # files in this device's folder that are not its batches

# Receipts and delivery.
RECEIPT_AT = "exchange.receipt_issued_at"
RECEIPT_THROUGH = "exchange.receipt_through"
RECEIPT_DEVICE = "exchange.receipt_device"  # this device's part of the newest receipt (codes, ids: no content)
NOTICE = "exchange.delivery_notice"  # a plain sentence the Sharing screen shows until the next one
KEEP_RECEIVED = "exchange.keep_received_days"  # the organisation's choice, published with its directory
RECEIPTS_WRITTEN = "exchange.receipts_written"  # supervisor: its newest receipt files on the drive
RECEIPT_LAST = "exchange.receipt_last"  # issued_at and content hash of the last receipt this profile wrote

# The organisation's directory publications.
DIRECTORY_ISSUED_AT = "exchange.directory_issued_at"  # issued_at of the publication last applied
DIRECTORY_PROBLEM = "exchange.directory_problem"  # plain words on what could not be used at the last check, or ""
DIRECTORY_FILES_JUDGED = "exchange.directory_files_judged"  # files already judged, by name, size and time

# Lone-working check-ins (records/checkins.py): when this profile first watched check-ins (UTC). A meeting
# plan whose check-in time is earlier was kept before anything asked about it, and is never due.
CHECK_INS_SINCE = "checkins.since"
