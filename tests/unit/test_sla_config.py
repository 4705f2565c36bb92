"""The [sla] section: defaults, targets per level, measure and priority, and its errors."""
from __future__ import annotations

import pytest

from gateway import config
from gateway.errors import ConfigError

BASE = {"support": {"address": "helpdesk@lpse.example"}}


def load(sla, environ=None):
    return config.from_mapping({**BASE, "sla": sla}, environ or {}, "ldp.toml").sla


def test_defaults():
    """Without [sla]: reminders at 75 %, no automatic escalation, L1 normal resolution 40 h."""
    sla = config.from_mapping(BASE, {}, "ldp.toml").sla
    assert (sla.reminder_share, sla.auto_escalate, sla.holidays_country) == (0.75, False, "ID")
    assert (sla.target("L1", "resolution", "normal"), sla.target("L0", "update", "normal")) == \
        (40.0, None)


def test_targets_override_one_cell_each():
    """A target table changes the cells it names and keeps the others."""
    sla = load({"reminder_share": 0.5, "collective_leave": ["2026-12-24"],
                "targets": {"L2": {"update": {"urgent": 3}}}},
               {"LDP_SLA_AUTO_ESCALATE": "true"})
    assert (sla.target("L2", "update", "urgent"), sla.target("L2", "update", "high")) == (3.0, 8.0)
    assert (sla.reminder_share, sla.auto_escalate, sla.collective_leave) == \
        (0.5, True, ("2026-12-24",))


@pytest.mark.parametrize("sla, message", [
    ({"targets": {"L1": {"resolve": {"normal": 3}}}},
     "ldp.toml: sla.targets.L1.resolve: expected one of first_response, resolution, update "
     "as a table of priority = hours"),
    ({"targets": {"L1": {"resolution": {"normal": 0}}}},
     "ldp.toml: sla.targets.L1.resolution.normal: expected a priority (low, normal, high, "
     "urgent) = a positive number of hours"),
    ({"collective_leave": ["24-12-2026"]},
     "ldp.toml: sla.collective_leave must be a list of dates like \"2026-12-24\", "
     "got ['24-12-2026']"),
    ({"reminder_share": 1.5}, "ldp.toml: sla.reminder_share must be between 0 and 1, got 1.5"),
    ({"remind": 1}, "ldp.toml: unknown key sla.remind (known: enabled, reminder_share, "
     "auto_escalate, holidays_country, collective_leave, targets)"),
])
def test_errors_name_the_key(sla, message):
    """Each mistake in [sla] is one line naming the key and what is expected."""
    with pytest.raises(ConfigError) as error:
        load(sla)
    assert str(error.value) == message
