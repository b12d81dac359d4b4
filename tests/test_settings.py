"""Configuration: defaults that run, and one clear line for anything malformed."""

import pytest

from portal.settings import ConfigError, load_settings


def settings(tmp_path, **env):
    return load_settings({"CRENEAU_VAR_DIR": str(tmp_path), **env}, env_file=None)


def test_defaults_run_on_sqlite_and_generate_a_secret_once(tmp_path):
    first = settings(tmp_path)
    assert first.database_url == f"sqlite://{tmp_path}/creneau.sqlite3"
    assert first.email_backend == "file" and first.sms_backend == "file"
    assert first.booking_rate_limit.count == 20 and first.booking_rate_limit.period_seconds == 3600
    assert len(str(first.secret_key)) >= 32
    assert str(settings(tmp_path).secret_key) == str(first.secret_key)
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(("env", "named"), [
    ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
    ({"BASE_URL": "rdv.example.fr"}, "BASE_URL"),
    ({"EMAIL_BACKEND": "pigeon"}, "EMAIL_BACKEND"),
    ({"EMAIL_BACKEND": "smtp"}, "SMTP_HOST"),
    ({"SMS_BACKEND": "vonage"}, "VONAGE_API_KEY"),
    ({"SMTP_PORT": "twenty-five"}, "SMTP_PORT"),
    ({"SMTP_TLS": "maybe"}, "SMTP_TLS"),
    ({"BOOKING_RATE_LIMIT": "lots"}, "BOOKING_RATE_LIMIT"),
    ({"SECRET_KEY": "short"}, "SECRET_KEY"),
    ({"INLINE_WORKERS": "perhaps"}, "INLINE_WORKERS"),
    ({"CALENDAR_ALLOW_INTERNAL": "sometimes"}, "CALENDAR_ALLOW_INTERNAL"),
    ({"MAX_REQUEST_BYTES": "64k"}, "MAX_REQUEST_BYTES"),
    ({"MAX_REQUEST_BYTES": "10"}, "MAX_REQUEST_BYTES"),
    ({"ADMIN_SESSION_IDLE_MINUTES": "0"}, "ADMIN_SESSION_IDLE_MINUTES"),
    ({"ADMIN_SESSION_ABSOLUTE_HOURS": "a day"}, "ADMIN_SESSION_ABSOLUTE_HOURS"),
    ({"OIDC_ISSUER": "https://id.example.org"}, "OIDC_CLIENT_ID"),
    ({"OIDC_ISSUER": "id.example.org", "OIDC_CLIENT_ID": "c", "OIDC_CLIENT_SECRET": "s"}, "OIDC_ISSUER"),
    ({"DATABASE_POOLER": "pgbouncer"}, "DATABASE_POOLER"),
    ({"DATABASE_POOLER": "transaction"}, "DATABASE_POOLER"),  # on SQLite: nothing to pool
    ({"EMAIL_BACKEND": "smtp", "SMTP_HOST": "smtp.example.fr"}, "MAIL_FROM"),
    ({"EMAIL_BACKEND": "smtp", "SMTP_HOST": "smtp.example.fr", "MAIL_FROM": "Créneau <no-reply@localhost>"}, "MAIL_FROM"),
    ({"SMTP_UTF8": "sometimes"}, "SMTP_UTF8"),
    ({"DKIM_DOMAIN": "cabinet.fr"}, "DKIM_SELECTOR"),
    ({"DKIM_DOMAIN": "cabinet.fr", "DKIM_SELECTOR": "s1", "DKIM_PRIVATE_KEY_FILE": "/nonexistent.pem"},
     "DKIM_PRIVATE_KEY_FILE"),
    # Values that reach a header, a host name or a port as they are (issue: contract check)
    ({"FRAME_ANCESTORS": "'self'; script-src *"}, "FRAME_ANCESTORS"),
    ({"FRAME_ANCESTORS": "'self'\r\nX-Injected: 1"}, "FRAME_ANCESTORS"),
    ({"FRAME_ANCESTORS": "'unsafe-inline'"}, "FRAME_ANCESTORS"),
    ({"FRAME_ANCESTORS": "'none' https://www.cabinet.fr"}, "FRAME_ANCESTORS"),
    ({"FRAME_ANCESTORS": ""}, "FRAME_ANCESTORS"),
    ({"VONAGE_REST_HOST": "https://rest.nexmo.com"}, "VONAGE_REST_HOST"),
    ({"VONAGE_REST_HOST": "a b"}, "VONAGE_REST_HOST"),
    ({"VONAGE_FROM": "Cabinet des Lilas"}, "VONAGE_FROM"),
    ({"SMTP_PORT": "0"}, "SMTP_PORT"),
    ({"SMTP_PORT": "70000"}, "SMTP_PORT"),
    ({"MAIL_FROM": "not an address"}, "MAIL_FROM"),
])
def test_malformed_values_name_the_variable(tmp_path, env, named):
    with pytest.raises(ConfigError) as error:
        settings(tmp_path, **env)
    assert str(error.value).startswith(named)


@pytest.mark.parametrize("value", ["'self'", "'none'", "'self' https://www.cabinet-des-lilas.fr",
                                   "https://*.cabinet.fr:8443 http://localhost:8000/embed/ https:"])
def test_frame_ancestors_takes_csp_sources(tmp_path, value):
    assert settings(tmp_path, FRAME_ANCESTORS=value).frame_ancestors == value


@pytest.mark.parametrize(("name", "value"), [("VONAGE_REST_HOST", "rest.vonage.test:8443"),
                                             ("VONAGE_FROM", "Creneau"), ("VONAGE_FROM", "33612345678"),
                                             ("MAIL_FROM", "Cabinet des Lilas <rdv@cabinet-des-lilas.fr>")])
def test_well_formed_values_are_kept(tmp_path, name, value):
    assert load_settings({"CRENEAU_VAR_DIR": str(tmp_path), name: value}, env_file=None) is not None


def test_a_var_dir_that_cannot_be_created_is_one_line_naming_it(tmp_path):
    (tmp_path / "a-file").write_text("")
    with pytest.raises(ConfigError) as error:
        load_settings({"CRENEAU_VAR_DIR": str(tmp_path / "a-file" / "var")}, env_file=None)
    assert str(error.value).startswith("CRENEAU_VAR_DIR")


def test_postgres_urls_and_rate_limits(tmp_path):
    parsed = settings(tmp_path, DATABASE_URL="postgresql://u:p@db:5432/creneau", BOOKING_RATE_LIMIT="5/minute")
    assert parsed.database_url == "postgres://u:p@db:5432/creneau" and not parsed.is_sqlite
    assert not parsed.run_inline_workers
    assert (parsed.booking_rate_limit.count, parsed.booking_rate_limit.period_seconds) == (5, 60)
    assert settings(tmp_path, BOOKING_RATE_LIMIT="0").booking_rate_limit.count == 0


def test_behind_a_transaction_pooler_asyncpg_prepares_no_named_statements(tmp_path):
    parsed = settings(tmp_path, DATABASE_URL="postgres://u:p@pool:6432/creneau", DATABASE_POOLER="transaction")
    assert parsed.database_url == "postgres://u:p@pool:6432/creneau?statement_cache_size=0"
    parsed = settings(tmp_path, DATABASE_URL="postgres://u@pool/creneau?maxsize=20", DATABASE_POOLER="transaction")
    assert parsed.database_url == "postgres://u@pool/creneau?maxsize=20&statement_cache_size=0"


def test_accented_mailboxes_follow_the_smtp_server(tmp_path):
    """Issue 12 item 1: files always take them; SMTP only when SMTP_UTF8 says the server offers SMTPUTF8."""
    smtp = {"EMAIL_BACKEND": "smtp", "SMTP_HOST": "smtp.example.fr", "MAIL_FROM": "Cabinet <rdv@cabinet.fr>"}
    assert settings(tmp_path).utf8_mailboxes
    assert not settings(tmp_path, **smtp).utf8_mailboxes
    assert settings(tmp_path, **smtp, SMTP_UTF8="true").utf8_mailboxes
