"""Each profile carries the figures of its seed document or RULES.md §10."""

from __future__ import annotations

import re

import pytest

from opensend.core.codes import SENNeed
from opensend.synth import profiles
from opensend.synth.profiles import PROFILES

DISTRICT = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?$")


@pytest.mark.parametrize(
    ("key", "plans", "support", "pupils"),
    [
        # Halton: 4.7% with plans and 14.9% SEN support of an assumed 20,000 pupils (seed 000).
        ("halton", round(940 * 638_745 / 482_640), 2_980, 20_000),
        # Stockton: 855 pupils with plans, 4,091 SEN support, 32,966 pupils (seed 001).
        ("stockton", round(855 * 638_745 / 482_640), 4_091, 32_966),
        # Sefton: 2,565 plans (January 2023), 5,403 SEN support, 42,576 pupils (seed 003).
        ("sefton", 2_565, 5_403, 42_576),
        # Lancashire: 12,317 plans (RULES.md §10), SEN support 9.1% (seed 004).
        ("lancashire", 12_317, round(0.091 * profiles.LANCASHIRE.pupils), None),
        # England: 638,745 plans, 1,284,284 SEN support (RULES.md §10).
        ("national", 638_745, 1_284_284, round(482_640 / 0.053)),
    ],
)
def test_profile_counts_come_from_the_sources(key, plans, support, pupils):
    profile = PROFILES[key]
    assert profile.ehc_plans == plans
    assert profile.sen_support == support
    if pupils is not None:
        assert profile.pupils == pupils


def test_stockton_carries_its_seed_figures():
    stockton = profiles.STOCKTON
    assert stockton.out_of_area == 192
    assert stockton.plan_placements["mainstream"] == pytest.approx(31.0 / 99.8)
    assert stockton.plan_placements["special"] == pytest.approx(64.3 / 99.8)
    assert max(stockton.plan_needs, key=stockton.plan_needs.__getitem__) == "MLD"
    assert stockton.plan_needs["MLD"] == pytest.approx(0.31)
    assert stockton.support_needs["NSA"] == pytest.approx(170 / 4091)
    assert profiles.LOOKED_AFTER_SHARE_OF_OUT_OF_AREA == 0.30


def test_sefton_carries_its_seed_figures():
    sefton = profiles.SEFTON
    assert sefton.resident_population == 279_239
    assert sefton.population_0_to_25 == 74_281
    assert sefton.school_settings == 107
    assert sefton.plan_placements["mainstream"] == pytest.approx(0.467)
    assert sefton.plan_placements["special"] == pytest.approx(0.455)
    assert sefton.sen_support / sefton.pupils == pytest.approx(0.127, abs=0.0005)


def test_national_need_mix_of_plans_is_the_dfe_one():
    mix = profiles.NATIONAL_PLAN_NEEDS
    assert mix["ASD"] == pytest.approx(0.315)
    assert mix["SLCN"] == pytest.approx(0.213)
    assert mix["SEMH"] == pytest.approx(0.207)
    assert mix["MLD"] == pytest.approx(0.106)


@pytest.mark.parametrize("profile", PROFILES.values(), ids=list(PROFILES))
def test_profiles_are_consistent(profile):
    for mix in (profile.plan_needs, profile.support_needs, profile.plan_placements):
        assert sum(mix.values()) == pytest.approx(1.0)
    assert "NSA" not in profile.plan_needs
    for code in (*profile.plan_needs, *profile.support_needs):
        SENNeed(code)
    assert profile.default_la_code in profiles.SYNTHETIC_LA_CODES
    assert "(synthetic)" in profile.default_name
    assert all(DISTRICT.match(d) for d in profile.postcode_districts)
    assert all(DISTRICT.match(d) for d in profile.elsewhere_districts)
    assert not set(profile.postcode_districts) & set(profile.elsewhere_districts)
    assert profile.assumptions or profile.key == "stockton"
    assert 0 < profile.out_of_area < profile.ehc_plans


def test_default_la_codes_differ_and_none_is_the_elsewhere_code():
    codes = [profile.default_la_code for profile in PROFILES.values()]
    assert len(set(codes)) == len(codes)
    assert profiles.ELSEWHERE_LA_CODE not in profiles.SYNTHETIC_LA_CODES


def test_scale_for_children_inverts_the_counts():
    national = profiles.NATIONAL
    scale = national.scale_for_children(100_000)
    assert national.children(scale) == pytest.approx(100_000, abs=3)


def test_a_mix_needs_weight():
    with pytest.raises(ValueError, match="positive"):
        profiles.mix(A=0.0)
