"""ASGI entry point for process managers: `uvicorn creneau.asgi:app --workers N`."""

from creneau.app import create_app
from notifier.render import check_sms_fits
from portal.settings import load_settings

settings = load_settings()
check_sms_fits(settings.base_url)
app = create_app(settings)
