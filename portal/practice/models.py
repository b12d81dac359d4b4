"""The practice, its practitioners, their services and their availability."""

import re
from datetime import time, timedelta

from tortoise import fields
from tortoise.models import Model

from portal.scheduling import MAX_BLOCKED

SLUG_MAX_LENGTH = 64
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def is_slug(value: str) -> bool:
    """What a practice or practitioner slug may be: it is a URL segment (`/c/…`, `/p/…`)."""
    return len(value) <= SLUG_MAX_LENGTH and _SLUG.fullmatch(value) is not None


def check_service_times(duration: int, before: int = 0, after: int = 0) -> None:
    """A service lasts at least a minute, its buffers are not negative, and together they fit
    in the span one booking may block (the database refuses longer ones)."""
    if duration < 1:
        raise ValueError(f"a service lasts at least 1 minute, not {duration}")
    if before < 0 or after < 0:
        raise ValueError("a service's buffers cannot be negative")
    if timedelta(minutes=before + duration + after) > MAX_BLOCKED:
        limit = int(MAX_BLOCKED.total_seconds() // 60)
        raise ValueError(f"a service and its buffers last at most {limit} minutes, not {before + duration + after}")


def to_minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def from_minutes(value: int) -> time:
    return time(23, 59, 59) if value >= 24 * 60 else time(value // 60, value % 60)


DEFAULT_RETENTION_MONTHS = 2
# France and the overseas departments and collectivities on the French numbering plan (+33,
# +262, +590, +594, +596, +508): Guadeloupe, Martinique, Guyane, La Réunion, Mayotte,
# Saint-Pierre-et-Miquelon, Saint-Barthélemy, Saint-Martin.
DEFAULT_SMS_REGIONS = "FR,GP,MQ,GF,RE,YT,PM,BL,MF"


def default_reminder_policy() -> dict:
    """Hours before the visit, per channel. Both arrive well before the default 24-hour
    cancellation cut-off closes online changes: the patient can still move or cancel after
    reading them (an SMS 24 h before arrived exactly when that stopped being possible). The SMS
    comes two days before, at the time of day of the visit, so never at night."""
    return {"email": [72], "sms": [48]}


class Practice(Model):
    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=SLUG_MAX_LENGTH, unique=True)
    name = fields.CharField(max_length=200)
    address = fields.CharField(max_length=300, default="")  # the street line
    # Structured for the API's postcode and city filters (indexed): a French postcode (Corsica's
    # 2A/2B are written 20xxx) and the city as typed; city_key is the city lowercased without
    # accents or hyphens, what a filter compares ("saint etienne" finds "Saint-Étienne").
    postcode = fields.CharField(max_length=5, default="", db_index=True)
    city = fields.CharField(max_length=100, default="")
    city_key = fields.CharField(max_length=100, default="", db_index=True)
    # How to get in (floor, door code, transport), shown with the address.
    access_instructions = fields.CharField(max_length=500, default="")
    phone = fields.CharField(max_length=20, default="")
    email = fields.CharField(max_length=254, default="")
    timezone = fields.CharField(max_length=64, default="Europe/Paris")
    # Whose public holidays close the practice: "" metropolitan France, else a subdivision of the
    # `holidays` package (portal.scheduling.holidays.REGIONS).
    holiday_region = fields.CharField(max_length=8, default="")
    # The practice's own language: its back-office messages, practitioners' notices, the default
    # of a staff invitation. Patients choose theirs (fr or en) on every page and booking.
    locale = fields.CharField(max_length=8, default="fr")
    # A patient may cancel or move online until this many hours before the visit.
    cancellation_cutoff_hours = fields.IntField(default=24)
    reminder_policy = fields.JSONField(default=default_reminder_policy)
    # How much an SMS says (portal.practice.messages): "minimal", when, the practice and the link
    # (a practitioner's name or profession can say why one sees them), or "standard", also who.
    sms_detail = fields.CharField(max_length=16, default="minimal")
    notify_practitioner = fields.BooleanField(default=True)
    # The practitioner's notice carries an invitation (the feed's event, at the feed's level), so
    # the booking lands in their calendar at once: Google re-reads subscribed feeds every 8-24 h.
    practitioner_invitations = fields.BooleanField(default=True)
    sms_sender_id = fields.CharField(max_length=11, default="")
    # Retention (creneau purge): a patient's identity and visit details are anonymised this many
    # months after their last visit, or after the practice's contract ends (DOMAIN.md: the
    # contract + 2 months).
    retention_months = fields.IntField(default=DEFAULT_RETENTION_MONTHS)
    contract_ends_on = fields.DateField(null=True)
    # Against SMS-pumping fraud: SMS go only to numbers of these regions (ISO 3166 codes, comma
    # separated; France and its overseas departments by default), at most so many a day.
    sms_regions = fields.CharField(max_length=200, default=DEFAULT_SMS_REGIONS)
    sms_daily_budget = fields.IntField(default=200)
    # Online bookings wait for the patient's confirmation (a code by SMS or e-mail) before
    # anything else is sent (portal.booking.confirm).
    confirm_online_bookings = fields.BooleanField(default=False)
    # The privacy notice's practice block (GDPR art. 13): who is the controller when it is not the
    # practice's own name and address (a company, an association), and the DPO when there is one.
    controller_name = fields.CharField(max_length=200, default="")
    controller_address = fields.CharField(max_length=300, default="")
    dpo_name = fields.CharField(max_length=200, default="")
    dpo_email = fields.CharField(max_length=254, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "practice"

    @property
    def full_address(self) -> str:
        return postal_address(self.address, self.postcode, self.city)


def postal_address(street: str, postcode: str, city: str) -> str:
    """One line for pages, messages and calendar events: "12 rue des Lilas, 75019 Paris"."""
    town = " ".join(part for part in (postcode, city) if part)
    return ", ".join(part for part in (street, town) if part)


class Practitioner(Model):
    id = fields.IntField(primary_key=True)
    practice = fields.ForeignKeyField("portal.Practice", related_name="practitioners", on_delete=fields.RESTRICT)
    slug = fields.CharField(max_length=SLUG_MAX_LENGTH, unique=True)
    title = fields.CharField(max_length=20, default="")
    first_name = fields.CharField(max_length=100)
    last_name = fields.CharField(max_length=100)
    profession = fields.CharField(max_length=100)
    rpps = fields.CharField(max_length=11, null=True)
    adeli = fields.CharField(max_length=9, null=True)
    email = fields.CharField(max_length=254, default="")
    phone = fields.CharField(max_length=20, default="")
    bio = fields.TextField(default="")
    bookable = fields.BooleanField(default=True)
    slot_step_minutes = fields.IntField(default=15)
    daily_limit = fields.IntField(null=True)
    # Online bookings made (not appointments held) per hour and per day; 0 turns a limit off.
    # A bot filling the agenda stops here, and the practice is told (portal.limits.practitioner).
    online_bookings_per_hour = fields.IntField(default=10)
    online_bookings_per_day = fields.IntField(default=40)
    # Languages spoken with patients: ISO 639-1 codes from portal.practice.languages.LANGUAGES.
    languages = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)
    # Archived: never bookable again, hidden from patients; appointments and history stay.
    archived_at = fields.DatetimeField(null=True)

    class Meta:
        table = "practitioner"

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.title, self.first_name, self.last_name) if part)


# Who a service is for (issue 14 item 4): adults, children (a minor seen with an accompanying
# adult, who gives the contact details and the consents), or both.
AUDIENCES = ("adult", "child", "all")
MAJORITY_AGE = 18  # a child's booking is refused for anyone this old at the appointment's date


class PractitionerPhoto(Model):
    """A practitioner's photo, re-encoded by Créneau (portal.practice.photos) and served at
    /photos/{digest}.jpg. In the database, not a file: web processes on several hosts share one
    PostgreSQL and no disk, and a backup holds it with the rest of the profile."""

    id = fields.IntField(primary_key=True)
    practitioner = fields.OneToOneField("portal.Practitioner", related_name="photo", on_delete=fields.CASCADE)
    digest = fields.CharField(max_length=64, db_index=True)  # SHA-256 of `data`: the URL, the ETag
    data = fields.BinaryField()
    width = fields.SmallIntField()
    height = fields.SmallIntField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "practitioner_photo"


def service_label(name: str, name_en: str | None, locale: str) -> str:
    """A service's name in the reader's language: its English name in English, when it has one."""
    return (name_en or name) if locale == "en" else name


def patient_service_label(name: str, name_en: str | None, named: bool, locale: str) -> str | None:
    """What a patient's message, invitation or calendar file may call the service: its name only
    where the service allows it (`messages_name_service`, off by default: "Bilan psychologique"
    says why one comes), otherwise nothing."""
    return service_label(name, name_en, locale) if named else None


class Service(Model):
    id = fields.IntField(primary_key=True)
    practitioner = fields.ForeignKeyField("portal.Practitioner", related_name="services", on_delete=fields.CASCADE)
    slug = fields.CharField(max_length=64)
    name = fields.CharField(max_length=120)
    name_en = fields.CharField(max_length=120, default="")
    duration_minutes = fields.IntField()
    buffer_before_minutes = fields.IntField(default=0)
    buffer_after_minutes = fields.IntField(default=0)
    min_notice_minutes = fields.IntField(default=120)
    horizon_days = fields.IntField(default=60)
    bookable_online = fields.BooleanField(default=True)
    # Whether patient messages (SMS, e-mail, invitation) may name it: off, its name can say why.
    messages_name_service = fields.BooleanField(default=False)
    position = fields.IntField(default=0)
    price_cents = fields.IntField(null=True)
    # AUDIENCES. A database default too: the column arrived (0016) in tables already holding rows,
    # and inserts that do not name it (bulk seeding) stay valid.
    audience = fields.CharField(max_length=8, default="adult", db_default="adult")
    archived_at = fields.DatetimeField(null=True)  # archived: not bookable, history kept

    class Meta:
        table = "service"
        unique_together = (("practitioner", "slug"),)

    async def save(self, *args, **kwargs) -> None:
        check_service_times(self.duration_minutes, self.buffer_before_minutes, self.buffer_after_minutes)
        await super().save(*args, **kwargs)


class OpeningHours(Model):
    """A weekly opening interval or break, in the practice's local wall time."""

    id = fields.IntField(primary_key=True)
    practitioner = fields.ForeignKeyField("portal.Practitioner", related_name="opening_hours", on_delete=fields.CASCADE)
    weekday = fields.SmallIntField()  # 0 = Monday
    # Minutes since local midnight (tortoise's TimeField does not bind on SQLite).
    starts = fields.SmallIntField()
    ends = fields.SmallIntField()
    kind = fields.CharField(max_length=8, default="open")  # "open" or "break"

    class Meta:
        table = "opening_hours"


class AvailabilityException(Model):
    """Dated exception: an extra opening, or a closure (holidays, training, a public holiday opened)."""

    id = fields.IntField(primary_key=True)
    practitioner = fields.ForeignKeyField("portal.Practitioner", related_name="exceptions", on_delete=fields.CASCADE)
    start_date = fields.DateField()
    end_date = fields.DateField()
    kind = fields.CharField(max_length=8)  # "open" or "closed"
    starts = fields.SmallIntField(null=True)  # minutes since local midnight; NULL = whole day
    ends = fields.SmallIntField(null=True)
    label = fields.CharField(max_length=120, default="")

    class Meta:
        table = "availability_exception"


class BusyBlock(Model):
    """Time taken elsewhere (imported calendars), which slot computation subtracts."""

    id = fields.IntField(primary_key=True)
    practitioner = fields.ForeignKeyField("portal.Practitioner", related_name="busy_blocks", on_delete=fields.CASCADE)
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    # Which import wrote it (calendar_sync's source id); NULL for blocks entered by hand.
    source_id = fields.IntField(null=True, db_index=True)

    class Meta:
        table = "busy_block"
        indexes = (("practitioner_id", "starts_at"),)
