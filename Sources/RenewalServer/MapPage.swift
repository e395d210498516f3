import Foundation
import GeoKernel

/// The HTML of `/map`: MapLibre GL JS from this server's `/assets/`, the styles from `/styles/{id}`,
/// nothing from anywhere else. The page starts from an empty style with a background, adds each
/// style's sources and layers in drawing order (skipping their `background` layers), offers a
/// tick box per style and shows a feature's properties on click (the whole feature, fetched from
/// `/collections/{id}/items/{featureId}`). `#zoom/lat/lon` in the address places the map. A style hidden at first
/// (`renewalgis:visible` false) joins the map, and its data is downloaded, when it is first ticked.
///
/// For headless checks it writes its state into `<pre id="status">` (hidden) once the map is idle:
/// `{"status": "ready"|"error", "errors": […], "rendered": {layer id: features drawn}}`, and the same
/// status into `<body data-status>`.
enum MapPage {
    /// `ids`: each drawn collection's identifying field (a click fetches the feature by it; without
    /// one, by the tile feature's id).
    static func page(styles: [StyleFile], skipped: [(title: String, missing: [String])], bounds: Envelope?, background: String,
                     ids: [String: String] = [:]) throws -> String {
        let config: [String: Any] = [
            "styles": styles.map { ["id": $0.id, "title": $0.title, "href": "/styles/\($0.id)", "visible": $0.visible] as [String: Any] },
            "ids": ids,
            "skipped": skipped.map { ["title": $0.title, "missing": $0.missing] as [String: Any] },
            "bounds": bounds.map { [[$0.minX, $0.minY], [$0.maxX, $0.maxY]] } ?? NSNull(),
            "background": background,
        ]
        // "<\/" inside a script is "</" to JavaScript but cannot end the script early.
        let configJSON = String(decoding: try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
            .replacingOccurrences(of: "</", with: "<\\/")
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>RenewalGIS map</title>
            <link rel="icon" href="data:,">
            <link rel="stylesheet" href="/assets/maplibre-gl.css">
            <script src="/assets/maplibre-gl.js"></script>
            <style>
              html, body { margin: 0; height: 100%; font: 13px/1.4 sans-serif; }
              #map { position: absolute; top: 0; bottom: 0; left: 0; right: 0; }
              #panel { position: absolute; top: 10px; left: 10px; max-width: 260px; padding: 6px 10px;
                       background: rgba(255, 255, 255, 0.92); border-radius: 4px; box-shadow: 0 1px 4px rgba(0, 0, 0, 0.3); }
              #panel h1 { font-size: 14px; margin: 0 0 4px; }
              #panel label { display: block; }
              #panel .skipped { color: #777; }
              #status { display: none; }
              .maplibregl-popup-content { max-height: 300px; overflow: auto; }
              .maplibregl-popup-content td { padding: 0 4px; vertical-align: top; }
            </style>
            </head>
            <body data-status="loading">
            <div id="map"></div>
            <div id="panel"><h1>RenewalGIS</h1><div id="layers"></div><div id="skipped"></div>
              <a href="/collections">collections</a> · <a href="/styles">styles</a> · <a href="/api">API</a></div>
            <pre id="status"></pre>
            <script>
            const config = \(configJSON);
            </script>
            <script>
            \(script)
            </script>
            </body>
            </html>

            """
    }

    /// The page's behaviour (reads `config`).
    static let script = """
        (function () {
          const state = { status: 'loading', errors: [], rendered: {} };
          function report(status) {
            state.status = status;
            document.body.dataset.status = status;
            document.getElementById('status').textContent = JSON.stringify(state);
          }
          const options = {
            container: 'map',
            style: { version: 8, sources: {}, layers: [{ id: 'background', type: 'background', paint: { 'background-color': config.background } }] },
            center: [106.55, 29.56], zoom: 12,
            // #zoom/lat/lon in the address places the map (and follows it), e.g. /map#16/29.56/106.55.
            hash: true
          };
          if (config.bounds) {
            // Room for the panel on the left when the window is wide enough to spare it.
            options.bounds = config.bounds;
            options.fitBoundsOptions = { padding: { top: 20, right: 20, bottom: 20, left: window.innerWidth > 800 ? 290 : 20 } };
          }
          const map = new maplibregl.Map(options);
          window.renewalgisMap = map;  // for scripted checks
          map.addControl(new maplibregl.NavigationControl(), 'top-right');
          map.addControl(new maplibregl.ScaleControl(), 'bottom-left');
          map.on('error', function (e) { state.errors.push(String((e.error && e.error.message) || e)); report(state.status); });

          // One entry per style, in drawing order. A style's sources and layers join the map when it is
          // first shown, so a hidden style's data is not downloaded until someone ticks it.
          const entries = config.styles.map(function (entry) { return { entry: entry, style: null, ids: [], box: null }; });
          function firstLayerAbove(i) {
            for (let j = i + 1; j < entries.length; j++) if (entries[j].ids.length) return entries[j].ids[0];
            return undefined;
          }
          function show(i, visible) {
            const e = entries[i];
            if (!e.style) return;
            if (visible && !e.ids.length) {
              for (const [id, source] of Object.entries(e.style.sources || {})) {
                if (!map.getSource(id)) map.addSource(id, source);
              }
              const above = firstLayerAbove(i);
              for (const layer of e.style.layers || []) {
                if (layer.type === 'background') continue;
                if (map.getLayer(layer.id)) layer.id = e.entry.id + ':' + layer.id;
                map.addLayer(layer, above);
                e.ids.push(layer.id);
              }
            }
            for (const id of e.ids) map.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
          }

          const panel = document.getElementById('layers');
          entries.forEach(function (e, i) {
            const label = document.createElement('label');
            e.box = document.createElement('input');
            e.box.type = 'checkbox';
            e.box.checked = e.entry.visible;
            e.box.addEventListener('change', function () { show(i, e.box.checked); });
            label.appendChild(e.box);
            label.appendChild(document.createTextNode(' ' + e.entry.title));
            panel.appendChild(label);
          });
          for (const s of config.skipped) {
            const note = document.createElement('div');
            note.className = 'skipped';
            note.textContent = s.title + ' (not in the store: ' + s.missing.join(', ') + ')';
            document.getElementById('skipped').appendChild(note);
          }

          map.on('load', async function () {
            try {
              const styles = await Promise.all(entries.map(function (e) {
                return fetch(e.entry.href).then(function (r) {
                  if (!r.ok) throw new Error(e.entry.href + ': HTTP ' + r.status);
                  return r.json();
                });
              }));
              styles.forEach(function (style, i) { entries[i].style = style; });
              entries.forEach(function (e, i) { if (e.box.checked) show(i, true); });
            } catch (e) {
              state.errors.push(String(e));
            }
            map.once('idle', function () {
              for (const e of entries) {
                for (const id of e.ids) state.rendered[id] = map.queryRenderedFeatures({ layers: [id] }).length;
              }
              report(state.errors.length ? 'error' : 'ready');
            });
          });

          // A click shows what the tile carries at once (the attributes the style draws by and the
          // identifying field), then the whole feature from /collections/{id}/items/{featureId}.
          function fill(table, layer, properties) {
            table.textContent = '';
            for (const [key, value] of [['layer', layer]].concat(Object.entries(properties))) {
              const tr = table.insertRow();
              tr.insertCell().textContent = key;
              tr.insertCell().textContent = value === null ? '' : String(value);
            }
          }
          map.on('click', function (e) {
            const features = map.queryRenderedFeatures(e.point);
            if (!features.length) return;
            const f = features[0];
            const table = document.createElement('table');
            fill(table, f.layer.id, f.properties);
            new maplibregl.Popup().setLngLat(e.lngLat).setDOMContent(table).addTo(map);
            const collection = f.sourceLayer, key = config.ids[collection];
            const id = key ? f.properties[key] : f.id;
            if (collection === undefined || id === undefined || id === null) return;
            fetch('/collections/' + encodeURIComponent(collection) + '/items/' + encodeURIComponent(id) + '?f=json')
              .then(function (r) { return r.ok ? r.json() : null; })
              .then(function (feature) { if (feature) fill(table, f.layer.id, feature.properties || {}); })
              .catch(function () {});
          });
        })();
        """

    /// The page `/map` answers when MapLibre GL JS is not installed.
    static func assetsMissing(directory: String, files: [String]) -> String {
        message("MapLibre GL JS is not installed", """
            The map page needs <code>\(files.map(escape).joined(separator: "</code> and <code>"))</code> in \
            <code>\(escape(directory))</code>, which are not there. They are not part of the repository: run \
            <pre>make maplibre</pre> in the RenewalGIS directory (it downloads the <code>maplibre</code> 0.3.6 wheel \
            from PyPI, which carries MapLibre GL JS 5.3.0, and unpacks the two files into <code>vendor/maplibre/</code>), \
            or start the server with <code>renewalgis serve --assets DIR</code> pointing at a directory holding them. \
            The data itself is served: <a href="/collections">/collections</a>.
            """)
    }

    /// A minimal page with a heading and a paragraph of HTML.
    static func message(_ title: String, _ body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>RenewalGIS: \(escape(title))</title></head>
        <body style="font: 15px/1.5 sans-serif; max-width: 46em; margin: 2em auto;">
        <h1>\(escape(title))</h1>
        <p>\(body)</p>
        </body></html>

        """
    }

    static func escape(_ text: String) -> String { HTMLPages.escape(text) }
}
