"""ASGI entry point for process managers: `uvicorn creneau.asgi:app --workers N`."""

from creneau.app import create_app
from portal.settings import load_settings

app = create_app(load_settings())
