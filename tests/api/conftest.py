import httpx2
import pytest

from creneau.app import create_app
from portal.settings import load_settings
from tests.builders import SECRET_KEY, load_demo


def make_settings(url: str, tmp_path, **env):
    values = {"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "CRENEAU_VAR_DIR": str(tmp_path),
              "BASE_URL": "https://rdv.example.fr"}
    values.update(env)
    return load_settings(values, env_file=None)


@pytest.fixture
def api_env() -> dict:
    """Extra settings for the app under test (override in a test module)."""
    return {}


@pytest.fixture
async def client(any_database, tmp_path, api_env):
    await load_demo()
    app = create_app(make_settings(any_database, tmp_path, **api_env), manage_db=False, run_background=False)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://testserver") as c:
        c.app = app
        yield c
