"""The back-office's routes. Every one but the sign-in pages starts with `require_staff`; the
authorization matrix (tests/admin/test_authorization_matrix.py) finds each route here by its
/admin path and fails until the test says how to exercise it."""

from starlette.routing import Route

from portal.web.admin import (
    account_views,
    invitation_views,
    login_views,
    oidc,
    passkey_views,
    photo_views,
    practitioner_new_views,
    practitioner_views,
    service_views,
    settings_views,
    staff_views,
    time_off_views,
)
from portal.web.admin.backoffice_routes import routes as backoffice_routes

routes = [
    Route("/admin", login_views.home, methods=["GET"]),
    Route("/admin/", login_views.home, methods=["GET"]),
    Route("/admin/login", login_views.login_form, methods=["GET"]),
    Route("/admin/login", login_views.login, methods=["POST"]),
    Route("/admin/login/code", login_views.code_form, methods=["GET"]),
    Route("/admin/login/code", login_views.code, methods=["POST"]),
    Route("/admin/logout", login_views.logout_page, methods=["GET"]),
    Route("/admin/logout", login_views.logout, methods=["POST"]),
    Route("/admin/oidc/start", oidc.start, methods=["GET"]),
    Route(oidc.CALLBACK, oidc.callback, methods=["GET"]),
    Route("/admin/account/2fa", account_views.second_factor, methods=["GET"]),
    Route("/admin/account/2fa", account_views.enrol, methods=["POST"]),
    Route("/admin/passkey/options", passkey_views.sign_in_options, methods=["POST"]),
    Route("/admin/passkey/sign-in", passkey_views.sign_in, methods=["POST"]),
    Route("/admin/account/passkeys/options", passkey_views.register_options, methods=["POST"]),
    Route("/admin/account/passkeys", passkey_views.register, methods=["POST"]),
    Route(settings_views.PATH, settings_views.show, methods=["GET"]),
    Route(settings_views.PATH, settings_views.save, methods=["POST"]),
    Route(staff_views.STAFF, staff_views.show_list, methods=["GET"]),
    Route(staff_views.STAFF + "/invite", staff_views.invite, methods=["POST"]),
    Route(invitation_views.PATH, invitation_views.show, methods=["GET"]),
    Route(invitation_views.PATH, invitation_views.accept, methods=["POST"]),
    Route(staff_views.STAFF + "/{staff_id}", staff_views.show_member, methods=["GET"]),
    Route(staff_views.STAFF + "/{staff_id}", staff_views.save_member, methods=["POST"]),
    Route(staff_views.STAFF + "/{staff_id}/disable", staff_views.disable, methods=["POST"]),
    Route(practitioner_views.PRACTITIONERS, practitioner_views.show_list, methods=["GET"]),
    # Before /{practitioner_id}: "new" is no practitioner's id.
    Route(practitioner_new_views.PATH, practitioner_new_views.show, methods=["GET"]),
    Route(practitioner_new_views.PATH, practitioner_new_views.create, methods=["POST"]),
    Route(practitioner_views.PRACTITIONERS + "/{practitioner_id}", practitioner_views.show_profile, methods=["GET"]),
    Route(practitioner_views.PRACTITIONERS + "/{practitioner_id}", practitioner_views.save_profile, methods=["POST"]),
    Route(practitioner_views.PRACTITIONERS + "/{practitioner_id}/archive", practitioner_views.archive,
          methods=["POST"]),
    Route(practitioner_views.PRACTITIONERS + "/{practitioner_id}/photo", photo_views.upload, methods=["POST"]),
    Route(practitioner_views.PRACTITIONERS + "/{practitioner_id}/photo/remove", photo_views.remove,
          methods=["POST"]),
    Route(practitioner_views.PRACTITIONERS + "/{practitioner_id}/services", service_views.show, methods=["GET"]),
    Route(practitioner_views.PRACTITIONERS + "/{practitioner_id}/services", service_views.save, methods=["POST"]),
    Route(practitioner_views.PRACTITIONERS + "/{practitioner_id}/services/{service_id}", service_views.show,
          methods=["GET"]),
    Route(practitioner_views.PRACTITIONERS + "/{practitioner_id}/services/{service_id}", service_views.save,
          methods=["POST"]),
    Route(practitioner_views.PRACTITIONERS + "/{practitioner_id}/services/{service_id}/archive",
          service_views.archive, methods=["POST"]),
    Route(practitioner_views.PRACTITIONERS + "/{practitioner_id}/hours", practitioner_views.show_hours, methods=["GET"]),
    Route(practitioner_views.PRACTITIONERS + "/{practitioner_id}/hours", practitioner_views.save_hours,
          methods=["POST"]),
    Route(practitioner_views.PRACTITIONERS + "/{practitioner_id}/time-off", practitioner_views.add_time_off,
          methods=["POST"]),
    Route(practitioner_views.PRACTITIONERS + "/{practitioner_id}/time-off/{exception_id}/remove",
          practitioner_views.remove_time_off, methods=["POST"]),
    # The appointments inside an absence: keep, move or cancel each one (after adding the absence).
    Route(practitioner_views.PRACTITIONERS + "/{practitioner_id}/time-off/{exception_id}", time_off_views.show,
          methods=["GET"]),
    Route(practitioner_views.PRACTITIONERS + "/{practitioner_id}/time-off/{exception_id}", time_off_views.decide,
          methods=["POST"]),
    *backoffice_routes,
]

# Reached without a session: everything else under /admin redirects to the sign-in page.
PUBLIC_PATHS = frozenset({"/admin/login", "/admin/login/code", "/admin/oidc/start", oidc.CALLBACK,
                          "/admin/passkey/options", "/admin/passkey/sign-in", invitation_views.PATH})
