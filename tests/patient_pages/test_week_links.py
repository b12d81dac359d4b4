"""The week page's slot links are built in Python (portal/web/patient/week.py `slot_links`, issue
16: a Jinja macro per slot was most of the page's cost). They must read exactly as the macro
wrote them: same link, id, label (late slots, the repeated autumn hour, English), same escaping."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.scheduling import Slot
from portal.web.patient.rendering import environment
from portal.web.patient.week import Day, Week

PARIS = ZoneInfo("Europe/Paris")

# The macro as it was before issue 16, rendered in the same environment.
OLD_MACRO = """{% macro slot_link(week, slot, tz, slot_url) %}
{% set late = week.late(slot) %}
<li><a class="slot{% if late %} late{% endif %}" href="{{ slot_url }}{{ slot.start.astimezone(tz).isoformat()|urlencode }}" id="{{ slot_id(slot.start) }}"
  aria-label="{{ full_datetime(slot.start, tz) }}{% if late %}{{ _(", ne pourra plus être modifié en ligne") }}{% endif %}">{{ time_of_day(slot.start, tz) }}{% if late %}<span aria-hidden="true"> *</span>{% endif %}</a></li>
{% endmacro %}
<ul>
{% for slot in slots %}{{ slot_link(week, slot, tz, slot_url) }}{% endfor %}
</ul>"""
NEW = """<ul>
{{ slot_links(week, slots, tz, slot_url, _(", ne pourra plus être modifié en ligne")) }}
</ul>"""


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_slot_links_read_as_the_macro_wrote_them(locale):
    # The autumn change (2026-10-25: 02:00-03:00 happens twice in Paris), a late slot, others.
    starts = [datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
              datetime(2026, 10, 26, 8, 0, tzinfo=UTC), datetime(2026, 10, 27, 15, 45, tzinfo=UTC)]
    slots = [Slot(start, start + timedelta(minutes=30)) for start in starts]
    week = Week(date(2026, 10, 19), [Day(date(2026, 10, 25), slots)], None, None,
                changes_close=datetime(2026, 10, 26, 9, 0, tzinfo=UTC))
    env = environment(locale)
    values = {"week": week, "slots": slots, "tz": PARIS, "slot_url": "/p/camille-martin/book?service=a&start="}
    old = env.from_string(OLD_MACRO).render(values)
    new = env.from_string(NEW).render(values)
    assert new == old
    assert new.count('class="slot late"') == 3 and "&amp;start=2026-10-25T02%3A30%3A00%2B02%3A00" in new
