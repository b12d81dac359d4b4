"""A practice's page of practitioners reads its own rows (issue 16 item 2).

practitioner (practice_id, last_name, first_name, id): the practice page and
`GET /api/v1/practitioners?practice=` page by name within one practice. With only the
(last_name, first_name, id) index of 0012, SQLite scanned and sorted every practitioner of the
deployment for each page (14 ms with 10,000), and a small practice among many would walk the
whole name index to fill a page. Named by us, like 0012's indexes.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("portal", "0016_service_audience")]

    initial = False

    operations = [
        ops.RunSQL(["CREATE INDEX practitioner_practice_name_order ON practitioner (practice_id, last_name, first_name, id)"],
                   reverse_sql=["DROP INDEX practitioner_practice_name_order"]),
    ]
