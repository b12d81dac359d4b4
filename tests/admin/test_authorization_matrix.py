"""The authorization matrix: every route of the app under /admin, signed out and as each role,
with objects inside and outside the role's scope.

Routes are found in the app itself (creneau.app.ROUTES): a new /admin route fails
`test_every_admin_route_declares_how_to_test_it` until CASES says how to exercise it. For a
path with parameters, `inside` gives parameters the role may see (answering `expect[role]`)
and `outside` parameters it may not (another practice's object for an administrator, another
practitioner's for a practitioner or an assistant): those must answer 404, never the data. A
path naming two objects is also tried `crossed` (the first the role's own, the second someone
else's: a forged id under one's own practitioner), and a 303 that is the expected answer of a
signed-in member must not be the way back to the sign-in page.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

import pytest
from itsdangerous import URLSafeTimedSerializer
from starlette.routing import Route

from calendar_sync.models import ExternalCalendar
from calendar_sync.tokens import create_feed_token
from creneau.app import ROUTES
from portal.models import Appointment, AvailabilityException, OutboxMessage, Practitioner, Service
from portal.web.admin.routes import PUBLIC_PATHS
from tests.access.helpers import add_staff, totp_code
from tests.admin.conftest import sign_in
from tests.builders import SECRET_KEY, book, paris, patient, system
from tests.two_practices.conftest import BELLEVILLE, LEA, load_second_practice

ROLES: dict[str, dict] = {
    "admin": {},
    "practitioner": {"practitioner": "camille-martin"},  # Camille's own agenda
    "assistant": {"grants": ("hugo-bernard",)},  # Hugo's agenda only
}


@dataclass(frozen=True)
class World:
    """One booked appointment per practitioner: two in the demo practice, one in another."""

    appointment: Mapping[str, int]  # practitioner slug -> appointment id
    patient: Mapping[str, int]  # practitioner slug -> the patient of that appointment
    feed: Mapping[str, int] = field(default_factory=dict)  # practitioner slug -> a feed token of theirs
    calendar: Mapping[str, int] = field(default_factory=dict)  # practitioner slug -> an external calendar
    message: Mapping[str, int] = field(default_factory=dict)  # practitioner slug -> a message of theirs
    practitioner: Mapping[str, int] = field(default_factory=dict)  # practitioner slug -> id
    service: Mapping[str, int] = field(default_factory=dict)  # practitioner slug -> one of their services
    staff: Mapping[str, int] = field(default_factory=dict)  # "ours", "theirs" -> a staff account of each practice
    time_off: Mapping[str, int] = field(default_factory=dict)  # practitioner slug -> an absence over its appointment


def in_scope(role: str) -> str:
    return {"admin": "hugo-bernard", "practitioner": "camille-martin", "assistant": "hugo-bernard"}[role]


def out_of_scope(role: str) -> str:
    """What the role must not see: another practice's practitioner for an administrator, a
    colleague of the same practice for the others."""
    return {"admin": LEA, "practitioner": "hugo-bernard", "assistant": "camille-martin"}[role]


@dataclass(frozen=True)
class Case:
    public: bool = False  # reachable signed out (the sign-in pages)
    signed_out: int = 303  # a non-public route redirects to /admin/login
    form: Mapping[str, str] = field(default_factory=dict)  # posted with a valid CSRF token
    json: bool = False  # a JSON endpoint of the pages' script: `form` as JSON, the token in X-CSRF-Token
    expect: Mapping[str, int] = field(default_factory=dict)  # role -> status once signed in
    inside: Callable[[World, str], dict] | None = None  # path parameters within the role's scope
    outside: Callable[[World, str], dict] | None = None  # path parameters outside it: 404
    # A path naming two objects: the first in the role's scope, the second another's (a forged id
    # under one's own practitioner): 404. Required for every path with two parameters.
    crossed: Callable[[World, str], dict] | None = None
    to_login: bool = False  # signed in, a 303 may lead to the sign-in page (signing out)


EVERY_ROLE_200 = {role: 200 for role in ROLES}
AGENDA_OWNERS = {"admin": 200, "practitioner": 200, "assistant": 404}
SERVICE_FORM = {"name": "Bilan", "duration_minutes": "30", "buffer_before_minutes": "0", "buffer_after_minutes": "0",
                "min_notice_minutes": "120", "horizon_days": "60"}
ADMIN_ONLY = {"admin": 200, "practitioner": 404, "assistant": 404}
SETTINGS_FORM = {"name": "Cabinet des Lilas", "locale": "fr", "timezone": "Europe/Paris", "holiday_region": "",
                 "cancellation_cutoff_hours": "24", "reminders_email": "72", "reminders_sms": "48"}
EVERY_303 = {role: 303 for role in ROLES}


def appointment_in(world: World, role: str) -> dict:
    return {"appointment_id": world.appointment[in_scope(role)]}


def appointment_out(world: World, role: str) -> dict:
    return {"appointment_id": world.appointment[out_of_scope(role)]}


def patient_in(world: World, role: str) -> dict:
    return {"patient_id": world.patient[in_scope(role)]}


def patient_out(world: World, role: str) -> dict:
    return {"patient_id": world.patient[out_of_scope(role)]}


CASES: dict[tuple[str, str], Case] = {
    ("GET", "/admin"): Case(expect=EVERY_ROLE_200),
    ("GET", "/admin/"): Case(expect=EVERY_ROLE_200),
    ("GET", "/admin/login"): Case(public=True, signed_out=200, expect={role: 303 for role in ROLES}),
    ("POST", "/admin/login"): Case(public=True, signed_out=401, form={"email": "x@example.org", "password": "x"},
                                   expect={role: 401 for role in ROLES}),
    ("GET", "/admin/login/code"): Case(public=True, expect={role: 303 for role in ROLES}),
    ("POST", "/admin/login/code"): Case(public=True, form={"code": "123456"}, expect={role: 303 for role in ROLES}),
    ("GET", "/admin/logout"): Case(expect=EVERY_ROLE_200),  # the page with the button: nothing signed out
    ("POST", "/admin/logout"): Case(expect={role: 303 for role in ROLES}, to_login=True),
    ("GET", "/admin/oidc/start"): Case(public=True, expect={role: 303 for role in ROLES}),
    ("GET", "/admin/oidc/callback"): Case(public=True, expect={role: 303 for role in ROLES}),
    ("GET", "/admin/account/2fa"): Case(expect=EVERY_ROLE_200),
    # The account is enrolled already: the page says so.
    ("POST", "/admin/account/2fa"): Case(form={"code": "123456", "sealed": "x"}, expect=EVERY_ROLE_200),
    ("POST", "/admin/passkey/options"): Case(public=True, signed_out=200, json=True, expect=EVERY_ROLE_200),
    ("POST", "/admin/passkey/sign-in"): Case(public=True, signed_out=401, json=True, form={"id": "x"},
                                             expect={role: 401 for role in ROLES}),
    ("POST", "/admin/account/passkeys/options"): Case(json=True, expect=EVERY_ROLE_200),
    ("POST", "/admin/account/passkeys"): Case(json=True, form={"id": "x"}, expect={role: 422 for role in ROLES}),
    ("GET", "/admin/settings"): Case(expect=ADMIN_ONLY),
    ("POST", "/admin/settings"): Case(form=SETTINGS_FORM, expect={**ADMIN_ONLY, "admin": 303}),
    # Feeds: the administrator, or a practitioner for their own agenda; an assistant only reads agendas.
    ("GET", "/admin/settings/feeds"): Case(expect=AGENDA_OWNERS),
    ("POST", "/admin/settings/feeds"): Case(form={"practitioner": "camille-martin", "level": "busy"},
                                             expect=AGENDA_OWNERS),
    ("POST", "/admin/settings/feeds/{token_id}/rotate"): Case(
        form={"confirmed": "yes"}, expect=AGENDA_OWNERS, inside=lambda world, role: {"token_id": world.feed[in_scope(role)]},
        outside=lambda world, role: {"token_id": world.feed[out_of_scope(role)]}),
    ("POST", "/admin/settings/feeds/{token_id}/revoke"): Case(
        form={"confirmed": "yes"}, expect={**AGENDA_OWNERS, "admin": 303, "practitioner": 303},
        inside=lambda world, role: {"token_id": world.feed[in_scope(role)]},
        outside=lambda world, role: {"token_id": world.feed[out_of_scope(role)]}),
    ("GET", "/admin/settings/calendars"): Case(expect=AGENDA_OWNERS),
    ("POST", "/admin/settings/calendars"): Case(
        form={"practitioner": "camille-martin", "url": "https://8.8.8.8/calendar.ics"},
        expect={**AGENDA_OWNERS, "admin": 303, "practitioner": 303}),
    ("POST", "/admin/settings/calendars/{calendar_id}/remove"): Case(
        form={"confirmed": "yes"}, expect={**AGENDA_OWNERS, "admin": 303, "practitioner": 303},
        inside=lambda world, role: {"calendar_id": world.calendar[in_scope(role)]},
        outside=lambda world, role: {"calendar_id": world.calendar[out_of_scope(role)]}),
    ("GET", "/admin/messages"): Case(expect=EVERY_ROLE_200),
    # What patient messages say, and their previews: the practice's settings, its administrator's.
    ("GET", "/admin/settings/messages"): Case(expect=ADMIN_ONLY),
    ("POST", "/admin/settings/messages"): Case(form={"sms_detail": "standard"}, expect={**ADMIN_ONLY, "admin": 303}),
    ("GET", "/admin/settings/practitioners"): Case(expect=AGENDA_OWNERS),
    # Creating a practitioner: the practice's administrator only (in their own practice).
    ("GET", "/admin/settings/practitioners/new"): Case(expect=ADMIN_ONLY),
    ("POST", "/admin/settings/practitioners/new"): Case(
        form={"first_name": "Nina", "last_name": "Roche", "profession": "Orthophoniste"},
        expect={**ADMIN_ONLY, "admin": 303}),
    ("GET", "/admin/settings/staff"): Case(expect=ADMIN_ONLY),
    ("POST", "/admin/settings/staff/invite"): Case(form={"email": "new@cabinet-des-lilas.example", "role": "assistant"},
                                                    expect={**ADMIN_ONLY, "admin": 303}),
    # An invitation link is reached without a session; an unknown token is "not found" to everyone.
    ("GET", "/admin/invitation/{token}"): Case(
        public=True, signed_out=404, expect={role: 404 for role in ROLES},
        inside=lambda world, role: {"token": "unknown"}, outside=lambda world, role: {"token": "other"}),
    ("POST", "/admin/invitation/{token}"): Case(
        public=True, signed_out=404, form={"password": "x" * 12, "confirmation": "x" * 12},
        expect={role: 404 for role in ROLES},
        inside=lambda world, role: {"token": "unknown"}, outside=lambda world, role: {"token": "other"}),
    ("GET", "/admin/settings/staff/{staff_id}"): Case(
        expect=ADMIN_ONLY, inside=lambda world, role: {"staff_id": world.staff["ours"]},
        outside=lambda world, role: {"staff_id": world.staff["theirs"]}),
    ("POST", "/admin/settings/staff/{staff_id}"): Case(
        form={"role": "assistant"}, expect={**ADMIN_ONLY, "admin": 303},
        inside=lambda world, role: {"staff_id": world.staff["ours"]},
        outside=lambda world, role: {"staff_id": world.staff["theirs"]}),
    ("POST", "/admin/settings/staff/{staff_id}/disable"): Case(
        expect={**ADMIN_ONLY, "admin": 303}, inside=lambda world, role: {"staff_id": world.staff["ours"]},
        outside=lambda world, role: {"staff_id": world.staff["theirs"]}),
    # Photos: the administrator, or the practitioner for their own profile. Posted without a file,
    # the upload answers its field message (422) to those allowed.
    ("POST", "/admin/settings/practitioners/{practitioner_id}/photo"): Case(
        expect={**AGENDA_OWNERS, "admin": 422, "practitioner": 422},
        inside=lambda world, role: {"practitioner_id": world.practitioner[in_scope(role)]},
        outside=lambda world, role: {"practitioner_id": world.practitioner[out_of_scope(role)]}),
    ("POST", "/admin/settings/practitioners/{practitioner_id}/photo/remove"): Case(
        expect={**AGENDA_OWNERS, "admin": 303, "practitioner": 303},
        inside=lambda world, role: {"practitioner_id": world.practitioner[in_scope(role)]},
        outside=lambda world, role: {"practitioner_id": world.practitioner[out_of_scope(role)]}),
    ("GET", "/admin/settings/practitioners/{practitioner_id}/services"): Case(
        expect=AGENDA_OWNERS, inside=lambda world, role: {"practitioner_id": world.practitioner[in_scope(role)]},
        outside=lambda world, role: {"practitioner_id": world.practitioner[out_of_scope(role)]}),
    ("POST", "/admin/settings/practitioners/{practitioner_id}/services"): Case(
        form=SERVICE_FORM, expect={**AGENDA_OWNERS, "admin": 303, "practitioner": 303},
        inside=lambda world, role: {"practitioner_id": world.practitioner[in_scope(role)]},
        outside=lambda world, role: {"practitioner_id": world.practitioner[out_of_scope(role)]}),
    ("GET", "/admin/settings/practitioners/{practitioner_id}/services/{service_id}"): Case(
        crossed=lambda world, role: crossed_service(world, role),
        expect=AGENDA_OWNERS, inside=lambda world, role: service_params(world, in_scope(role)),
        outside=lambda world, role: service_params(world, out_of_scope(role))),
    ("POST", "/admin/settings/practitioners/{practitioner_id}/services/{service_id}"): Case(
        crossed=lambda world, role: crossed_service(world, role),
        form=SERVICE_FORM, expect={**AGENDA_OWNERS, "admin": 303, "practitioner": 303},
        inside=lambda world, role: service_params(world, in_scope(role)),
        outside=lambda world, role: service_params(world, out_of_scope(role))),
    ("POST", "/admin/settings/practitioners/{practitioner_id}/services/{service_id}/archive"): Case(
        crossed=lambda world, role: crossed_service(world, role),
        expect={**AGENDA_OWNERS, "admin": 303, "practitioner": 303},
        inside=lambda world, role: service_params(world, in_scope(role)),
        outside=lambda world, role: service_params(world, out_of_scope(role))),
    ("GET", "/admin/settings/practitioners/{practitioner_id}"): Case(
        expect=AGENDA_OWNERS, inside=lambda world, role: {"practitioner_id": world.practitioner[in_scope(role)]},
        outside=lambda world, role: {"practitioner_id": world.practitioner[out_of_scope(role)]}),
    ("POST", "/admin/settings/practitioners/{practitioner_id}"): Case(
        form={"first_name": "A", "last_name": "B", "profession": "Ostéopathe"},
        expect={**AGENDA_OWNERS, "admin": 303, "practitioner": 303},
        inside=lambda world, role: {"practitioner_id": world.practitioner[in_scope(role)]},
        outside=lambda world, role: {"practitioner_id": world.practitioner[out_of_scope(role)]}),
    ("POST", "/admin/settings/practitioners/{practitioner_id}/archive"): Case(
        expect={**ADMIN_ONLY, "admin": 303},
        inside=lambda world, role: {"practitioner_id": world.practitioner[in_scope(role)]},
        outside=lambda world, role: {"practitioner_id": world.practitioner[out_of_scope(role)]}),
    ("POST", "/admin/settings/practitioners/{practitioner_id}/time-off"): Case(
        form={"kind": "closed", "start_date": "2026-12-24"}, expect={**AGENDA_OWNERS, "admin": 303, "practitioner": 303},
        inside=lambda world, role: {"practitioner_id": world.practitioner[in_scope(role)]},
        outside=lambda world, role: {"practitioner_id": world.practitioner[out_of_scope(role)]}),
    # No exception 999999: every role gets "not found", inside its scope or not.
    ("POST", "/admin/settings/practitioners/{practitioner_id}/time-off/{exception_id}/remove"): Case(
        crossed=lambda world, role: crossed_time_off(world, role),
        expect={role: 404 for role in ROLES},
        inside=lambda world, role: {"practitioner_id": world.practitioner[in_scope(role)], "exception_id": 999999},
        outside=lambda world, role: {"practitioner_id": world.practitioner[out_of_scope(role)], "exception_id": 999999}),
    # The appointments inside an absence; posted with no row, the page says there is nothing to do.
    ("GET", "/admin/settings/practitioners/{practitioner_id}/time-off/{exception_id}"): Case(
        crossed=lambda world, role: crossed_time_off(world, role),
        expect=AGENDA_OWNERS, inside=lambda world, role: time_off_params(world, in_scope(role)),
        outside=lambda world, role: time_off_params(world, out_of_scope(role))),
    ("POST", "/admin/settings/practitioners/{practitioner_id}/time-off/{exception_id}"): Case(
        crossed=lambda world, role: crossed_time_off(world, role),
        expect={**AGENDA_OWNERS, "admin": 422, "practitioner": 422},
        inside=lambda world, role: time_off_params(world, in_scope(role)),
        outside=lambda world, role: time_off_params(world, out_of_scope(role))),
    ("GET", "/admin/settings/practitioners/{practitioner_id}/hours"): Case(
        expect=AGENDA_OWNERS, inside=lambda world, role: {"practitioner_id": world.practitioner[in_scope(role)]},
        outside=lambda world, role: {"practitioner_id": world.practitioner[out_of_scope(role)]}),
    ("POST", "/admin/settings/practitioners/{practitioner_id}/hours"): Case(
        form={"open_0": "09:00-12:00"}, expect={**AGENDA_OWNERS, "admin": 303, "practitioner": 303},
        inside=lambda world, role: {"practitioner_id": world.practitioner[in_scope(role)]},
        outside=lambda world, role: {"practitioner_id": world.practitioner[out_of_scope(role)]}),
    ("POST", "/admin/messages/test"): Case(form={"channel": "email"}, expect={**ADMIN_ONLY, "admin": 303}),
    # Nothing failed in the world: a message in scope cannot be retried (409), one outside is not found.
    ("POST", "/admin/messages/{message_id}/retry"): Case(
        expect={role: 409 for role in ROLES},
        inside=lambda world, role: {"message_id": world.message[in_scope(role)]},
        outside=lambda world, role: {"message_id": world.message[out_of_scope(role)]}),
    ("GET", "/admin/agenda"): Case(expect=EVERY_ROLE_200),
    ("GET", "/admin/book"): Case(expect=EVERY_ROLE_200),
    # Nothing chosen: a message per field (the booking itself is tested in test_phone_booking_page).
    ("POST", "/admin/book"): Case(form={"patient": ""}, expect={role: 422 for role in ROLES}),
    # Administrators only: another role finds no such page.
    ("GET", "/admin/audit"): Case(expect={"admin": 200, "practitioner": 404, "assistant": 404}),
    ("GET", "/admin/patients"): Case(expect=EVERY_ROLE_200),
    ("GET", "/admin/patients/{patient_id}"): Case(expect=EVERY_ROLE_200, inside=patient_in, outside=patient_out),
    # Field errors inside the scope; outside it, not found before any field is read.
    ("POST", "/admin/patients/{patient_id}/notes"): Case(form={"text": "x"}, expect={role: 422 for role in ROLES},
                                                         inside=patient_in, outside=patient_out),
    ("POST", "/admin/patients/{patient_id}/contact"): Case(form={"email": "x"}, expect={role: 422 for role in ROLES},
                                                           inside=patient_in, outside=patient_out),
    ("GET", "/admin/appointments/{appointment_id}"): Case(expect=EVERY_ROLE_200, inside=appointment_in,
                                                          outside=appointment_out),
    # Not started yet: "to confirm" is accepted.
    ("POST", "/admin/appointments/{appointment_id}/attendance"): Case(
        form={"status": "to_confirm"}, expect=EVERY_303, inside=appointment_in, outside=appointment_out),
    ("POST", "/admin/appointments/{appointment_id}/cancel"): Case(
        form={"by": "practice", "confirmed": "yes"}, expect=EVERY_303, inside=appointment_in, outside=appointment_out),
    ("POST", "/admin/appointments/{appointment_id}/move"): Case(
        form={"date": "2026-12-09", "time": "16:00", "outside_rules": "yes"}, expect=EVERY_303,
        inside=appointment_in, outside=appointment_out),
}


def admin_endpoints() -> list[tuple[str, str]]:
    found = set()
    for route in ROUTES:
        if isinstance(route, Route) and route.path.startswith("/admin"):
            found.update((method, route.path) for method in route.methods or () if method != "HEAD")
    return sorted(found)


ENDPOINTS = admin_endpoints()


def test_every_admin_route_declares_how_to_test_it():
    undeclared = [endpoint for endpoint in ENDPOINTS if endpoint not in CASES]
    assert not undeclared, f"add these to CASES in {__name__}: {undeclared}"
    assert not set(CASES) - set(ENDPOINTS), f"CASES names routes that no longer exist: {set(CASES) - set(ENDPOINTS)}"
    # Reachable signed out: exactly the sign-in pages the routes module declares public.
    assert {path for (_, path), case in CASES.items() if case.public} == PUBLIC_PATHS
    for endpoint, case in CASES.items():
        assert set(case.expect) == set(ROLES), f"{endpoint}: say what each role gets"
        assert ("{" in endpoint[1]) == (case.inside is not None) == (case.outside is not None), endpoint
        assert (endpoint[1].count("{") > 1) == (case.crossed is not None), f"{endpoint}: say how to cross scopes"


async def build_world(now) -> World:
    await load_second_practice()
    appointments, patients = {}, {}
    for slug, service, start in (("camille-martin", "consultation-adulte", paris(2026, 12, 1, 11)),
                                 ("hugo-bernard", "consultation", paris(2026, 12, 1, 15)),
                                 (LEA, "consultation", paris(2026, 12, 1, 10))):
        # A patient of each practitioner's own (the same person would be in both colleagues' scopes).
        booked = await book(start, now, practitioner=slug, service=service, patient=patient(email=f"{slug}@example.org"))
        appointment = await Appointment.get(id=booked.appointment_id)
        appointments[slug], patients[slug] = appointment.id, appointment.patient_id
    feeds = {slug: (await create_feed_token(system(now), slug)).row.id for slug in appointments}
    calendars = {slug: (await ExternalCalendar.create(
        practitioner=await Practitioner.get(slug=slug), url="https://calendar.example.org/x.ics", created_at=now,
        next_attempt_at=now)).id for slug in appointments}
    messages = {slug: (await OutboxMessage.filter(appointment_id=appointment_id).order_by("id").first()).id
                for slug, appointment_id in appointments.items()}
    ids = {slug: (await Practitioner.get(slug=slug)).id for slug in appointments}
    services = {slug: (await Service.filter(practitioner_id=ids[slug]).order_by("id").first()).id for slug in ids}
    staff = {"ours": (await add_staff(now, "member@cabinet-des-lilas.example", "assistant"))[0].id,
             "theirs": (await add_staff(now, "member@belleville.example", "assistant", practice=BELLEVILLE))[0].id}
    time_off = {slug: (await AvailabilityException.create(practitioner_id=ids[slug], start_date=date(2026, 12, 1),
                                                          end_date=date(2026, 12, 1), kind="closed")).id for slug in ids}
    return World(appointments, patients, feeds, calendars, messages, ids, services, staff, time_off)


def time_off_params(world: World, slug: str) -> dict:
    return {"practitioner_id": world.practitioner[slug], "exception_id": world.time_off[slug]}


def crossed_service(world: World, role: str) -> dict:
    return {"practitioner_id": world.practitioner[in_scope(role)], "service_id": world.service[out_of_scope(role)]}


def crossed_time_off(world: World, role: str) -> dict:
    return {"practitioner_id": world.practitioner[in_scope(role)], "exception_id": world.time_off[out_of_scope(role)]}


def service_params(world: World, slug: str) -> dict:
    return {"practitioner_id": world.practitioner[slug], "service_id": world.service[slug]}


def fill(path: str, params: dict) -> str:
    return path.format(**params)


def csrf_token_for(client) -> str:
    """A valid token for this browser's CSRF cookie, as a page of the app would give it."""
    if "csrf" not in client.cookies:
        client.cookies.set("csrf", secrets.token_urlsafe(32))
    return URLSafeTimedSerializer(SECRET_KEY, salt="creneau/csrf/v1").dumps(client.cookies["csrf"])


async def call(client, method: str, path: str, case: Case):
    if method == "GET":
        return await client.get(path)
    if case.json:
        return await client.request(method, path, json=dict(case.form), headers={"X-CSRF-Token": csrf_token_for(client)})
    return await client.request(method, path, data={"csrf_token": csrf_token_for(client), **case.form})


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
async def test_signed_out(client, method, path, now):
    case = CASES[(method, path)]
    world = await build_world(now) if case.inside else None
    target = fill(path, case.inside(world, "admin")) if case.inside and world else path
    answer = await call(client, method, target, case)
    assert answer.status_code == case.signed_out, answer.text[:300]
    if not case.public:
        assert answer.headers["location"].startswith("/admin/login")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
async def test_signed_in_as_each_role(client, method, path, role, now):
    case = CASES[(method, path)]
    world = await build_world(now) if case.inside else None
    email = f"{role}@cabinet-des-lilas.example"
    await add_staff(now, email, "admin" if role == "admin" else role, totp=True, **ROLES[role])
    assert (await sign_in(client, email, code=totp_code(now))).headers["location"] == "/admin/"
    target = fill(path, case.inside(world, role)) if case.inside and world else path
    answer = await call(client, method, target, case)
    assert answer.status_code == case.expect[role], answer.text[:300]
    if answer.status_code == 303 and not case.public and not case.to_login:
        # Done, not sent back to sign in (a lost session or CSRF refusal would also be a 303 there).
        assert not answer.headers["location"].startswith("/admin/login"), answer.headers["location"]
    if case.outside and world:
        refused = await call(client, method, fill(path, case.outside(world, role)), case)
        assert refused.status_code == 404, f"{role} reached {path} outside their scope"
    if case.crossed and world:
        refused = await call(client, method, fill(path, case.crossed(world, role)), case)
        assert refused.status_code == 404, f"{role} reached {path} with another's object under their own"


async def test_the_world_puts_each_appointment_with_its_own_practitioner(demo, now):
    world = await build_world(now)
    for slug, appointment_id in world.appointment.items():
        appointment = await Appointment.get(id=appointment_id).select_related("practitioner")
        assert appointment.practitioner.slug == slug and appointment.patient_id == world.patient[slug]
    assert len(set(world.patient.values())) == 3
    for role in ROLES:
        assert in_scope(role) != out_of_scope(role)
