"""The legal-aid page: every registry legal-aid place in a list that works without JavaScript,
and the data the Leaflet map reads from that same list.

The list is the primary content (tiles may be blocked, the phone may be old): each place has
tap-to-call, address, hours, services and navigation links that open the phone's map app. Map
apps want different datums, so each link gets its coordinates converted here, at build time,
with ``wagesafe.geo`` (Amap and Apple in China: GCJ-02; Baidu: BD-09; ``geo:``: WGS-84).
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from wagesafe import geo
from wagesafe.config import Config
from wagesafe.registry import LEGAL_AID_KIND_EN, LEGAL_AID_KIND_ZH, LegalAidPlace, Registry
from wagesafe.registry.model import LEGAL_AID_KINDS

from .html import e, tel, zh

TEXT = {
    "zh": {"call": "打电话", "address": "地址", "hours": "时间", "services": "服务", "navigate": "导航",
           "amap": "高德地图", "baidu": "百度地图", "apple": "苹果地图", "geo": "其他地图应用",
           "locate": "用我的位置，按远近排序", "map_label": "法律援助点地图", "show_map": "点这里显示地图（约 50 KB）",
           "no_tiles": "地图底图未配置，下面只画出各点的相对位置。请看地图下方的列表。",
           "approval": "审图号", "nearest": "离你最近"},
    "en": {"call": "Call", "address": "Address", "hours": "Hours", "services": "Services", "navigate": "Directions",
           "amap": "Amap", "baidu": "Baidu Maps", "apple": "Apple Maps", "geo": "Other map app",
           "locate": "Use my location to sort by distance", "map_label": "Map of legal-aid places",
           "show_map": "Tap to show the map (about 50 KB)",
           "no_tiles": "No map tiles are configured: the map shows where the places are relative to each other. "
                       "Use the list below.",
           "approval": "Map approval number", "nearest": "Nearest to you"},
}


def nav_links(place: LegalAidPlace) -> dict[str, str]:
    """Navigation URLs for one place, each in the datum its map app expects.

    Plain links the worker taps; nothing is loaded from these hosts when the page opens.
    """
    if place.lat is None or place.lon is None:
        return {}
    lat, lon = place.lat, place.lon
    g_lat, g_lon = geo.wgs84_to_gcj02(lat, lon)
    b_lat, b_lon = geo.wgs84_to_bd09(lat, lon)
    name = place.name_zh
    return {
        "amap": "https://uri.amap.com/marker?" + urlencode(
            {"position": f"{g_lon:.6f},{g_lat:.6f}", "name": name, "coordinate": "gaode"}, safe=","),
        "baidu": "https://api.map.baidu.com/marker?" + urlencode(
            {"location": f"{b_lat:.6f},{b_lon:.6f}", "title": name, "content": place.address_zh or name,
             "output": "html", "coord_type": "bd09ll"}, safe=","),
        "apple": "https://maps.apple.com/?" + urlencode({"ll": f"{g_lat:.6f},{g_lon:.6f}", "q": name}, safe=","),
        "geo": f"geo:{lat:.6f},{lon:.6f}?q={lat:.6f},{lon:.6f}({quote(name)})",
    }


def tile_settings(cfg: Config) -> dict[str, str]:
    """The tile layer the map should draw, or an empty URL for none.

    A URL template that needs a key (``{key}``) and has none configured draws no tiles at all:
    a tile server answering 403 for every tile is worse than a plain background.
    """
    url = cfg.map_tile_url.strip()
    if "{key}" in url:
        url = url.replace("{key}", cfg.map_tile_key) if cfg.map_tile_key else ""
    subdomains = "01234567" if "tianditu" in url else "abc"
    attribution = "天地图" if "tianditu" in url else ""
    # 天地图's vector layer has no place names; its annotation layer (cva) goes on top.
    overlay = ""
    if "tianditu" in url and "vec_w" in url:
        overlay = url.replace("vec_w", "cva_w").replace("LAYER=vec", "LAYER=cva")
    return {"url": url, "overlay": overlay, "subdomains": subdomains, "datum": cfg.map_tile_datum,
            "attribution": attribution, "approval": cfg.map_approval_no}


def _place_html(place: LegalAidPlace, lang: str, datum: str) -> str:
    t = TEXT[lang]
    name = (place.name_en or place.name_zh) if lang == "en" else place.name_zh
    attrs = f'class="ws-place" id="place-{e(place.id)}"'
    if place.lat is not None and place.lon is not None:
        try:
            m_lat, m_lon = geo.from_wgs84(place.lat, place.lon, datum)
        except ValueError:
            m_lat, m_lon = place.lat, place.lon
        attrs += (f' data-lat="{place.lat:.6f}" data-lon="{place.lon:.6f}"'
                  f' data-map-lat="{m_lat:.6f}" data-map-lon="{m_lon:.6f}"')
    out = [f"<li {attrs}>", f'<h3>{e(name)}</h3>']
    if lang == "en" and place.name_en:
        out.append(f'<p lang="zh-Hans" class="ws-name-zh">{e(place.name_zh)}</p>')
    out.append('<p class="ws-distance"></p>')
    if place.phone:
        label = f"{t['call']} {place.phone}"
        out.append(f'<p>{tel(place.phone, label, cls="md-button ws-call")}</p>')
    out.append('<dl class="ws-dl">')
    if place.address_zh:
        out.append(f"<dt>{e(t['address'])}</dt><dd>{zh(place.address_zh, lang)}</dd>")
    if place.hours_zh:
        out.append(f"<dt>{e(t['hours'])}</dt><dd>{zh(place.hours_zh, lang)}</dd>")
    if place.services_zh:
        out.append(f"<dt>{e(t['services'])}</dt><dd>{zh(place.services_zh, lang)}</dd>")
    out.append("</dl>")
    links = nav_links(place)
    if links:
        items = " ".join(f'<a class="ws-navlink" href="{e(url)}" rel="noopener">{e(t[key])}</a>'
                         for key, url in links.items())
        out.append(f'<p class="ws-nav"><span>{e(t["navigate"])}:</span> {items}</p>')
    out.append("</li>")
    return "\n".join(out)


def legal_aid_html(reg: Registry, cfg: Config, lang: str) -> str:
    """The map container, the locate button (shown by the script) and the grouped list."""
    t = TEXT[lang]
    tiles = tile_settings(cfg)
    kind_names = LEGAL_AID_KIND_EN if lang == "en" else LEGAL_AID_KIND_ZH
    out = [f'<div class="ws-map-wrap"><div id="ws-map" class="ws-map" role="region" aria-label="{e(t["map_label"])}"'
           f' data-tile-url="{e(tiles["url"])}" data-tile-overlay="{e(tiles["overlay"])}"'
           f' data-tile-subdomains="{e(tiles["subdomains"])}"'
           f' data-tile-attribution="{e(tiles["attribution"])}" data-nearest="{e(t["nearest"])}">'
           f'<button type="button" class="md-button ws-show-map">{e(t["show_map"])}</button></div>']
    # The map's box is in the page from the start (its height in wagesafe.css), so the map appearing
    # moves nothing; without JavaScript the CSS hides it (@media (scripting: none)). Leaflet (about
    # 46 KB gzip and, on a cheap phone, most of the page's main-thread time) is fetched only when
    # the worker taps the box: the list below, with its phone numbers, is the page's content.
    if not tiles["url"]:
        out.append(f'<p class="ws-map-note">{e(t["no_tiles"])}</p>')
    if tiles["approval"]:
        out.append(f'<p class="ws-approval"><small>{e(t["approval"])}: {e(tiles["approval"])}</small></p>')
    out.append("</div>")
    out.append(f'<p class="ws-locate-row"><button type="button" class="md-button ws-locate" hidden>{e(t["locate"])}'
               '</button> <span class="ws-locate-status" role="status"></span></p>')
    out.append('<div id="ws-places">')
    for kind in LEGAL_AID_KINDS:
        places = [p for p in reg.legal_aid if p.kind == kind]
        if not places:
            continue
        out.append(f'<section class="ws-kind" id="kind-{e(kind)}"><h2>{e(kind_names.get(kind, kind))}</h2>'
                   '<ul class="ws-places">')
        out.extend(_place_html(p, lang, tiles["datum"]) for p in places)
        out.append("</ul></section>")
    out.append("</div>")
    return "\n".join(out)
