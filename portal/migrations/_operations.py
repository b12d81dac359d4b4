"""Operations shared by the migrations (a module whose name starts with "_" is not a migration
to tortoise's loader).

`AddField`: tortoise adds a NOT NULL column without an SQL DEFAULT (the model's default is
Python's), which SQLite and PostgreSQL both refuse on a table that has rows: every upgrade of a
practice's database would stop there, though a fresh database never notices
(tests/test_migrations_with_data.py walks the chain over a database holding rows). This one
adds the column with the field's default as its SQL DEFAULT, existing rows taking it, while the
migration state, like the model, keeps a Python default only.
"""

from tortoise.fields.base import DB_DEFAULT_NOT_SET
from tortoise.migrations import operations as ops


class AddField(ops.AddField):
    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if not state_editor:
            return
        field = new_state.apps.get_model(f"{app_label}.{self.model_name}")._meta.fields_map[self.name]
        fill = not field.null and field.default is not None and not field.has_db_default()
        if fill:
            field.db_default = field.default() if callable(field.default) else field.default
        try:
            await super().database_forward(app_label, old_state, new_state, state_editor)
        finally:
            if fill:
                field.db_default = DB_DEFAULT_NOT_SET
