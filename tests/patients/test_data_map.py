"""The data map stays true to the models: every column of a listed table is classified, every
table whose rows reach a patient is listed."""

from tortoise import Tortoise

from portal.patients.data_map import TABLES


def _columns(model) -> set[str]:
    return set(model._meta.fields_db_projection.values())


def _models() -> dict[str, type]:
    return {model._meta.db_table: model for app in Tortoise.apps.values() for model in app.values()}


async def test_every_column_of_a_mapped_table_is_classified(database):
    models = _models()
    for entry in TABLES:
        columns = _columns(models[entry.name])
        classified = set(entry.personal) | set(entry.not_personal)
        assert classified == columns, f"{entry.name}: unclassified {columns - classified}, unknown {classified - columns}"
        assert not set(entry.personal) & set(entry.not_personal), entry.name


async def test_every_table_that_reaches_a_patient_is_mapped(database):
    mapped = {entry.name for entry in TABLES}
    for name, model in _models().items():
        columns = _columns(model)
        if name == "patient" or {"patient_id", "appointment_id"} & columns:
            assert name in mapped, f"{name} holds rows about patients: add it to portal.patients.data_map"
