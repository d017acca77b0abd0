"""Members, the stores and tills they buy at, their phone numbers and their purchase statistics.

Rules and invariants:

* A member is found by its Firebase uid; the first valid sign-in creates it, or links the
  member staff already recorded with the same phone number. A phone Firebase verified proves who
  owns a membership: a new uid with a live member's phone takes that membership over (one
  guarded UPDATE and an audit row); the uid it left is refused with any older token.
* ``points_balance``, ``ledger_head``, ``tier``, ``id`` and ``phone`` are never written through
  the profile; they belong to ``loyalty.points``, ``loyalty.tiers`` and sign-in.
* Phone numbers are stored in E.164 (``+84…``) and read in any common Vietnamese spelling.
* A customer without the app joins at the till by phone; the same number again is the same
  member, and the app's first sign-in with that phone links it, points and history included.
  A phone number only earns: spending at a till takes a one-time code sent to that phone.
* A till's key is shown once; only its SHA-256 is stored, and a revoked till is refused.
* ``MemberStats`` is derived: one row per member, counted into on every purchase and rebuilt
  set-wise by the nightly job; nothing else writes it.
* Staff changes (profile corrections, stores, tills) write their audit row inside the function.

Modules:

* ``accounts``: Members: sign-up on first sign-in, profile rules.
* ``find``: Finding a member from what a clerk types: a phone, a public id, a card code, a name.
* ``story``: A member's whole story for staff: profile, consents, one keyed timeline of everything.
* ``enrolment``: Customers who join at the counter by phone number, without the app.
* ``phone_codes``: One-time codes that prove, at a till, that the customer holds the member's phone.
* ``phone_lists``: Lists of phone numbers staff paste into a form or upload as a file.
* ``phones``: Phone numbers: stored in E.164, read in any common Vietnamese way (0901…, +84 90…, 84-90…).
* ``statistics``: Member statistics: one ``MemberStats`` row per member, rebuilt set-wise in SQL.
* ``stores``: Stores and their tills.
"""

from loyalty.members.accounts import (
    CHANNELS,
    EDITABLE_FIELDS,
    UID_MOVED,
    SignInSuperseded,
    correct_profile,
    member_for_sign_in,
    record_member,
    update_profile,
    validate_profile,
)
from loyalty.members.enrolment import ENROLLED_AT_TILL, MemberNotFound, TillMember, enrol_at_till, member_by_phone
from loyalty.members.find import MemberMatch, find_members
from loyalty.members.phone_codes import (
    VALID_MINUTES as PHONE_CODE_VALID_MINUTES,
)
from loyalty.members.phone_codes import (
    IssuedCode,
    PhoneCodeRefused,
    TooManyCodes,
    confirm_phone_code,
    issue_phone_code,
    record_channel,
)
from loyalty.members.phone_lists import PhoneList, from_table, from_text
from loyalty.members.phones import normalise_phone, phone_search_term
from loyalty.members.statistics import record_purchase, refresh_all_job, refresh_member, refresh_recent_job  # jobs
from loyalty.members.stores import (
    KEY_PREFIX,
    create_store,
    create_terminal,
    hash_key,
    new_key,
    revocation_mark,
    revoke_terminal,
    terminal_for_key,
)
from loyalty.members.story import (
    PAGE_SIZE as TIMELINE_PAGE_SIZE,
)
from loyalty.members.story import (
    MemberProfile,
    Timeline,
    TimelineCursor,
    TimelineItem,
    member_profile,
    member_timeline,
)

__all__ = [
    "CHANNELS",
    "EDITABLE_FIELDS",
    "ENROLLED_AT_TILL",
    "KEY_PREFIX",
    "PHONE_CODE_VALID_MINUTES",
    "TIMELINE_PAGE_SIZE",
    "UID_MOVED",
    "IssuedCode",
    "MemberMatch",
    "MemberNotFound",
    "MemberProfile",
    "PhoneCodeRefused",
    "PhoneList",
    "SignInSuperseded",
    "TillMember",
    "Timeline",
    "TimelineCursor",
    "TimelineItem",
    "TooManyCodes",
    "confirm_phone_code",
    "correct_profile",
    "create_store",
    "create_terminal",
    "enrol_at_till",
    "find_members",
    "from_table",
    "from_text",
    "hash_key",
    "issue_phone_code",
    "member_by_phone",
    "member_for_sign_in",
    "member_profile",
    "member_timeline",
    "new_key",
    "normalise_phone",
    "phone_search_term",
    "record_channel",
    "record_member",
    "record_purchase",
    "refresh_all_job",
    "refresh_member",
    "refresh_recent_job",
    "revocation_mark",
    "revoke_terminal",
    "terminal_for_key",
    "update_profile",
    "validate_profile",
]
