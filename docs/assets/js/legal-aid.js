/* Legal-aid map. The list in the page is the real content; this script only adds:
   - a Leaflet map of the places, fetched and drawn when the worker taps the map's box (tiles only
     when configured; otherwise the points on a plain background, with a note), markers at
     data-map-lat/lon (already in the tile datum);
   - a "use my location" button that sorts the places by distance (WGS-84, the phone's datum). */
(function () {
  var places = Array.prototype.slice.call(document.querySelectorAll(".ws-place[data-lat]"));
  var mapEl = document.getElementById("ws-map");
  var me = document.currentScript;

  // Leaflet is fetched only when the worker taps the map's box: on a cheap phone it is most of the
  // page's bytes and main-thread time, and the list below is the page's real content.
  var show = mapEl && mapEl.querySelector(".ws-show-map");
  if (show && me && places.length) {
    show.addEventListener("click", function () {
      show.disabled = true;
      var css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = me.getAttribute("data-leaflet-css");
      document.head.appendChild(css);
      var js = document.createElement("script");
      js.src = me.getAttribute("data-leaflet-js");
      js.onload = drawMap;
      js.onerror = function () { show.disabled = false; };
      document.head.appendChild(js);
    });
  } else if (show) {
    show.hidden = true;
  }

  function drawMap() {
    if (!(mapEl && window.L && places.length)) return;
    mapEl.hidden = false;
    mapEl.textContent = "";
    var map = L.map(mapEl, { scrollWheelZoom: false, attributionControl: true });
    var url = mapEl.getAttribute("data-tile-url");
    if (url) {
      var opts = {
        subdomains: mapEl.getAttribute("data-tile-subdomains") || "abc",
        attribution: mapEl.getAttribute("data-tile-attribution") || "",
        maxZoom: 18
      };
      L.tileLayer(url, opts).addTo(map);
      var overlay = mapEl.getAttribute("data-tile-overlay");
      if (overlay) L.tileLayer(overlay, opts).addTo(map);
    } else {
      var note = document.querySelector(".ws-map-note");
      if (note) note.hidden = false;
    }
    var bounds = [];
    places.forEach(function (li) {
      var ll = [parseFloat(li.getAttribute("data-map-lat")), parseFloat(li.getAttribute("data-map-lon"))];
      bounds.push(ll);
      var name = li.querySelector("h3").textContent;
      L.circleMarker(ll, { radius: 9, color: "#1a237e", weight: 2, fillColor: "#3949ab", fillOpacity: 0.85 })
        .addTo(map)
        .bindTooltip(name, { direction: "top" })
        .on("click", function () { li.scrollIntoView({ behavior: "smooth" }); });
    });
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15 });
  }

  var button = document.querySelector(".ws-locate");
  var status = document.querySelector(".ws-locate-status");
  if (!button || !navigator.geolocation) return;
  button.hidden = false;

  function metres(lat1, lon1, lat2, lon2) {
    var r = 6371008.8, p1 = lat1 * Math.PI / 180, p2 = lat2 * Math.PI / 180;
    var dp = p2 - p1, dl = (lon2 - lon1) * Math.PI / 180;
    var h = Math.sin(dp / 2) * Math.sin(dp / 2) + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) * Math.sin(dl / 2);
    return 2 * r * Math.asin(Math.sqrt(h));
  }
  function label(m) { return m < 1000 ? Math.round(m) + " m" : (m / 1000).toFixed(1) + " km"; }

  function sortBy(lat, lon) {
    var sorted = places.map(function (li) {
      return { li: li, d: metres(lat, lon, parseFloat(li.getAttribute("data-lat")), parseFloat(li.getAttribute("data-lon"))) };
    }).sort(function (a, b) { return a.d - b.d; });
    var list = document.getElementById("ws-nearest");
    if (!list) {
      var section = document.createElement("section");
      var h = document.createElement("h2");
      h.textContent = mapEl ? mapEl.getAttribute("data-nearest") : "";
      list = document.createElement("ol");
      list.id = "ws-nearest";
      list.className = "ws-places";
      section.appendChild(h);
      section.appendChild(list);
      var container = document.getElementById("ws-places");
      container.insertBefore(section, container.firstChild);
    }
    sorted.forEach(function (x) {
      x.li.querySelector(".ws-distance").textContent = label(x.d);
      list.appendChild(x.li);
    });
    Array.prototype.forEach.call(document.querySelectorAll(".ws-kind"), function (s) {
      s.hidden = !s.querySelector(".ws-place");
    });
  }

  button.addEventListener("click", function () {
    status.textContent = "…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      status.textContent = "";
      sortBy(pos.coords.latitude, pos.coords.longitude);
    }, function (err) {
      status.textContent = err && err.message ? err.message : "?";
    }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 });
  });
})();
