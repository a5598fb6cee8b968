"""Datum conversions against published reference pairs (eviltransform's test vectors)."""

import pytest

from wagesafe import geo

# wgs (lat, lon) -> gcj (lat, lon): the vectors every eviltransform port tests against.
WGS_GCJ = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
]
# Baidu pairs at Tiananmen (39.915, 116.404), as published by the coordTransform family
# (wandergis/coordTransform_py, geocraft, the coordtransform crate): (lat, lon).
TIANANMEN = (39.915, 116.404)
GCJ_TO_BD = (39.92133699351021, 116.41036949371029)
BD_TO_GCJ = (39.90865673957631, 116.39762729119315)
WGS_TO_BD = (39.922699552216216, 116.41662724378733)


@pytest.mark.parametrize("wgs,gcj", WGS_GCJ)
def test_geo_wgs84_to_gcj02_matches_reference(wgs, gcj):
    assert geo.wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)


@pytest.mark.parametrize("wgs,gcj", WGS_GCJ)
def test_geo_gcj02_to_wgs84_inverts_within_a_centimetre(wgs, gcj):
    back = geo.gcj02_to_wgs84(*gcj)
    assert geo.distance_m(*back, *wgs) < 0.01


def test_geo_gcj02_to_bd09_matches_reference():
    assert geo.gcj02_to_bd09(*TIANANMEN) == pytest.approx(GCJ_TO_BD, abs=1e-9)


def test_geo_bd09_to_gcj02_matches_reference():
    assert geo.bd09_to_gcj02(*TIANANMEN) == pytest.approx(BD_TO_GCJ, abs=1e-9)


def test_geo_wgs84_to_bd09_matches_reference():
    assert geo.wgs84_to_bd09(*TIANANMEN) == pytest.approx(WGS_TO_BD, abs=1e-9)


def test_geo_bd09_to_wgs84_inverts_within_a_metre():
    assert geo.distance_m(*geo.bd09_to_wgs84(*WGS_TO_BD), *TIANANMEN) < 1.0


def test_geo_gcj02_bd09_round_trip():
    lat, lon = 27.621, 113.854  # the sample county's legal-aid centre
    g = geo.wgs84_to_gcj02(lat, lon)
    b = geo.gcj02_to_bd09(*g)
    assert geo.distance_m(*b, *g) > 100  # Baidu's shift is real, not a no-op
    assert geo.distance_m(*geo.bd09_to_gcj02(*b), *g) < 0.5


def test_geo_offset_is_hundreds_of_metres_in_china_and_zero_abroad():
    assert 100 < geo.distance_m(27.621, 113.854, *geo.wgs84_to_gcj02(27.621, 113.854)) < 1000
    assert geo.wgs84_to_gcj02(48.8566, 2.3522) == (48.8566, 2.3522)  # Paris
    assert geo.gcj02_to_wgs84(48.8566, 2.3522) == (48.8566, 2.3522)


def test_geo_from_wgs84_by_name():
    assert geo.from_wgs84(31.1774276, 121.5272106, "WGS-84") == (31.1774276, 121.5272106)
    assert geo.from_wgs84(31.1774276, 121.5272106, "gcj-02") == geo.wgs84_to_gcj02(31.1774276, 121.5272106)
    assert geo.from_wgs84(31.1774276, 121.5272106, "BD-09") == geo.wgs84_to_bd09(31.1774276, 121.5272106)
    with pytest.raises(ValueError):
        geo.from_wgs84(1, 2, "OSGB36")
