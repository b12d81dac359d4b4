"""The patient pages' CSRF protection is the shared one (portal.web.csrf)."""

from portal.web.csrf import COOKIE, FIELD, MAX_AGE_SECONDS, is_https, same_origin, set_cookie, token, valid

__all__ = ["COOKIE", "FIELD", "MAX_AGE_SECONDS", "is_https", "same_origin", "set_cookie", "token", "valid"]
