"""Signing in to /admin through the pages: password, TOTP, recovery code, the same refusal for
an unknown address as for a wrong password, CSRF, throttling, session rotation, expiry and
sign-out, with the clock moved by the test."""

from __future__ import annotations

from datetime import timedelta

from portal.access.models import StaffSession, StaffUser
from portal.models import AuditEvent
from portal.tokens import token_hash
from tests.access.helpers import PASSWORD, add_staff, totp_code
from tests.admin.conftest import csrf_of, post_form, sign_in, signed_in_as

ADMIN = "admin@cabinet-des-lilas.example"


async def test_password_then_totp_signs_in_and_shows_the_landing_page(client, clock):
    user, _ = await add_staff(clock.now, ADMIN, totp=True)
    first = await post_form(client, "/admin/login", email=ADMIN, password=PASSWORD)
    assert first.status_code == 303 and first.headers["location"] == "/admin/login/code"
    code_page = await client.get("/admin/login/code")
    assert 'id="passkey-sign-in" hidden' in code_page.text  # a passkey may complete the sign-in too
    assert (await client.get("/admin/")).headers["location"] == "/admin/login/code"  # not yet signed in
    pending = client.cookies["creneau_staff"]
    done = await post_form(client, "/admin/login/code", code=totp_code(clock.now))
    assert done.status_code == 303 and done.headers["location"] == "/admin/"
    assert client.cookies["creneau_staff"] != pending  # a new token once every factor passed
    assert not await StaffSession.filter(token_hash=token_hash(pending)).exists()
    home = await client.get("/admin/")
    assert home.status_code == 200 and "Espace cabinet" in home.text and "Agenda" in home.text
    assert home.headers["cache-control"] == "no-store"
    events = await AuditEvent.filter(action="staff.sign_in").values("object_id", "actor", "detail", "channel")
    assert events == [{"object_id": user.id, "actor": f"staff:{user.id}", "detail": {"source": "password+totp"},
                       "channel": "admin"}]


async def test_the_session_cookie_is_httponly_lax_and_only_under_admin(client, clock):
    await add_staff(clock.now, ADMIN)
    answer = await sign_in(client, ADMIN)
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/admin" in cookie and "secure" not in cookie


async def test_the_cookie_is_secure_under_https(new_client, demo, clock):
    await add_staff(clock.now, ADMIN)
    async with new_client("https://testserver", BASE_URL="https://rdv.example.fr") as https:
        answer = await sign_in(https, ADMIN)
    assert "secure" in answer.headers["set-cookie"].lower()


async def test_a_recovery_code_signs_in_once(client, new_client, clock):
    _, codes = await add_staff(clock.now, ADMIN, totp=True)
    assert (await sign_in(client, ADMIN, code=codes[0])).headers["location"] == "/admin/"
    async with new_client() as other:
        refused = await sign_in(other, ADMIN, code=codes[0])
    assert refused.status_code == 401 and "Ce code n&#39;est pas valable" in refused.text


async def test_a_wrong_code_is_refused_and_the_totp_code_works_only_once(client, new_client, clock):
    await add_staff(clock.now, ADMIN, totp=True)
    refused = await sign_in(client, ADMIN, code="000000" if totp_code(clock.now) != "000000" else "111111")
    assert refused.status_code == 401
    assert (await post_form(client, "/admin/login/code", code=totp_code(clock.now))).headers["location"] == "/admin/"
    async with new_client() as other:  # the same code, replayed from another browser
        assert (await sign_in(other, ADMIN, code=totp_code(clock.now))).status_code == 401


async def test_unknown_account_and_wrong_password_get_the_same_answer(client, new_client, clock):
    await add_staff(clock.now, ADMIN)
    answers = []
    for email in (ADMIN, "nobody@cabinet-des-lilas.example"):
        async with new_client() as browser:
            answer = await post_form(browser, "/admin/login", email=email, password="not the password")
            # The page differs only by the address typed (given back) and its fresh CSRF token.
            page = answer.text.replace(email, "EMAIL").replace(csrf_of(answer.text), "TOKEN")
            answers.append((answer.status_code, page, set(answer.cookies)))
    assert answers[0][0] == answers[1][0] == 401
    assert answers[0][1] == answers[1][1] and answers[0][2] == answers[1][2]
    assert "Adresse e-mail ou mot de passe incorrect." in answers[0][1]


async def test_a_post_without_a_valid_csrf_token_is_refused(client, clock):
    await add_staff(clock.now, ADMIN)
    await client.get("/admin/login")
    refused = await client.post("/admin/login", data={"csrf_token": "forged", "email": ADMIN, "password": PASSWORD})
    assert refused.status_code == 403 and "creneau_staff" not in client.cookies
    assert (await sign_in(client, ADMIN)).status_code == 303
    no_token = await client.post("/admin/logout", data={})
    assert no_token.status_code == 403
    assert (await client.get("/admin/")).status_code == 200  # still signed in: nothing was done


async def test_sign_in_is_throttled_after_five_refusals(client, clock):
    await add_staff(clock.now, ADMIN)
    for _ in range(5):
        assert (await sign_in(client, ADMIN, "wrong")).status_code == 401
    throttled = await sign_in(client, ADMIN)
    assert throttled.status_code == 429 and "Trop de tentatives" in throttled.text
    assert throttled.headers["retry-after"] == "900"
    clock.now += timedelta(minutes=15)
    assert (await sign_in(client, ADMIN)).status_code == 303


async def test_the_session_ends_after_the_idle_timeout(client, clock):
    await signed_in_as(client, clock.now)
    clock.now += timedelta(minutes=29)
    assert (await client.get("/admin/")).status_code == 200
    clock.now += timedelta(minutes=29)  # used 29 minutes ago: still alive
    assert (await client.get("/admin/")).status_code == 200
    clock.now += timedelta(minutes=30)
    expired = await client.get("/admin/")
    assert expired.status_code == 303 and expired.headers["location"] == "/admin/login?done=expired"
    assert await StaffSession.all().count() == 0


async def test_the_session_ends_after_the_absolute_timeout_even_in_use(client, clock):
    await signed_in_as(client, clock.now)
    for _ in range(12 * 3):
        clock.now += timedelta(minutes=20)
        answer = await client.get("/admin/")
        if answer.status_code != 200:
            break
    assert answer.status_code == 303
    assert await StaffSession.all().count() == 0


async def test_session_lifetimes_follow_the_settings(new_client, demo, clock):
    async with new_client(ADMIN_SESSION_IDLE_MINUTES="5") as browser:
        await signed_in_as(browser, clock.now)
        clock.now += timedelta(minutes=6)
        assert (await browser.get("/admin/")).status_code == 303


async def test_sign_out_ends_the_session_on_the_server(client, clock):
    user = await signed_in_as(client, clock.now)
    token = client.cookies["creneau_staff"]
    out = await post_form(client, "/admin/", "/admin/logout")
    assert out.status_code == 303 and out.headers["location"] == "/admin/login?done=signed_out"
    assert not await StaffSession.filter(token_hash=token_hash(token)).exists()
    client.cookies.set("creneau_staff", token, path="/admin")  # a copy of the old cookie opens nothing
    assert (await client.get("/admin/")).status_code == 303
    assert await AuditEvent.filter(action="staff.sign_out", object_id=user.id).count() == 1


async def test_a_disabled_account_loses_its_open_session(client, clock):
    from portal.access import accounts
    from tests.builders import system

    user = await signed_in_as(client, clock.now)
    await accounts.disable(system(clock.now), await StaffUser.get(id=user.id))
    assert (await client.get("/admin/")).status_code == 303


async def test_the_login_page_is_french_first_and_english_on_request(client):
    french = await client.get("/admin/login")
    assert french.status_code == 200 and "Connexion à l’espace cabinet" in french.text
    assert "/admin/oidc/start" not in french.text  # no provider configured
    english = await client.get("/admin/login?lang=en")
    assert "Sign in to the practice area" in english.text and 'lang="en"' in english.text


async def test_a_signed_in_member_opening_the_login_page_goes_home(client, clock):
    await signed_in_as(client, clock.now)
    assert (await client.get("/admin/login")).headers["location"] == "/admin/"


async def test_an_account_that_requires_2fa_must_enrol_first(client, clock):
    user, _ = await add_staff(clock.now, ADMIN)
    await StaffUser.filter(id=user.id).update(totp_required=True)
    assert (await sign_in(client, ADMIN)).headers["location"] == "/admin/"
    assert (await client.get("/admin/")).headers["location"] == "/admin/account/2fa"
    assert (await client.get("/admin/account/2fa")).status_code == 200


async def test_sessions_left_behind_are_deleted_at_a_later_sign_in(client, new_client, clock):
    await signed_in_as(client, clock.now)  # and never comes back
    clock.now += timedelta(days=1, minutes=1)
    async with new_client() as later:
        await sign_in(later, ADMIN, code=totp_code(clock.now))
    assert await StaffSession.all().count() == 1


async def test_any_admin_address_sends_a_signed_out_visitor_to_the_sign_in_page(client, clock):
    """The contract: unauthenticated /admin/* redirects to /admin/login — an address that does not
    exist, or a method the address does not take (GET /admin/logout), included."""
    for method, path in [("GET", "/admin/nothing-here"), ("GET", "/admin/settings/nothing/here"),
                         ("GET", "/admin/logout"), ("PUT", "/admin/agenda")]:
        answer = await client.request(method, path)
        assert answer.status_code == 303, (method, path, answer.status_code)
        assert answer.headers["location"] == "/admin/login"
    await signed_in_as(client, clock.now)
    assert (await client.get("/admin/nothing-here")).status_code == 404  # signed in: what is not there is not found
    # Signed in, the address a bookmark or a typed URL opens is a page with the sign-out button
    # (signing out stays a POST with its CSRF token: a link elsewhere cannot sign anyone out).
    page = await client.get("/admin/logout")
    assert page.status_code == 200 and 'action="/admin/logout"' in page.text
    assert (await client.get("/admin/")).status_code == 200  # still signed in
    out = await client.post("/admin/logout", data={"csrf_token": csrf_of(page.text)})
    assert out.status_code == 303 and out.headers["location"] == "/admin/login?done=signed_out"
