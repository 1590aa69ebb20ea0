import datetime as dt

import pytest

from opensend.core.codes import CensusTerm, census_day, latest_census_day

D = dt.date


@pytest.mark.parametrize(
    ("year", "term", "day"),
    [
        (2026, CensusTerm.SPRING, D(2026, 1, 15)),  # RULES.md §4: 2026 census Thursday 15 January
        (2025, CensusTerm.SPRING, D(2025, 1, 16)),
        (2026, CensusTerm.SUMMER, D(2026, 5, 21)),
        (2026, CensusTerm.AUTUMN, D(2026, 10, 1)),
        (2025, CensusTerm.AUTUMN, D(2025, 10, 2)),
    ],
)
def test_census_day(year, term, day):
    assert census_day(year, term) == day
    assert day.weekday() == 3


def test_census_day_rejects_unknown_term():
    with pytest.raises(ValueError, match="Unknown census term"):
        census_day(2026, "winter")


@pytest.mark.parametrize(
    ("on", "latest"),
    [
        (D(2026, 11, 23), D(2026, 10, 1)),
        (D(2026, 10, 1), D(2026, 10, 1)),
        (D(2026, 9, 30), D(2026, 5, 21)),
        (D(2026, 1, 14), D(2025, 10, 2)),
    ],
)
def test_latest_census_day(on, latest):
    assert latest_census_day(on) == latest


def test_sen2_code_lists_match_rules():
    from opensend.core import codes

    assert set(codes.RequestOutcome.values) == {"Y", "N", "A", "W", "H"}
    assert set(codes.ReviewOutcome.values) == {"A", "C", "M"}
    assert set(codes.SENSetting.values) == {
        "OLA",
        "OPA",
        "EHE",
        "EYP",
        "OTH",
        "NEET",
        "NIEC",
        "NIEO",
    }
    assert codes.CeaseReason.values == [str(n) for n in range(1, 10)]
    assert set(codes.DirectPaymentType.values) == {"E", "S", "H", "I"}
    assert set(codes.UPNUnknown.values) == {"UN1", "UN2", "UN3", "UN5", "UN8", "UN9", "UN10"}
    assert len(codes.Ethnicity.values) == 20
    assert "DS" in codes.SENNeed.values and "NSA" in codes.SENNeed.values
