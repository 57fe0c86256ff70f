/* Aviso status widget: a status page's state and its active incidents, read from the
   page's v2 JSON. No cookies, no dependency. Paste where it should appear:
   <script src="https://status.example.com/widget.js" async></script>
   Options: data-position="bottom-right" (a corner box instead of inline), data-refresh="60",
   data-token="aviso_view_..." (a private page's viewer token, sent as a Bearer header). */
(function () {
  var script = document.currentScript;
  if (!script) return;
  var base = script.src.replace(/widget\.js(\?.*)?$/, "");
  var colours = {none: "#1a7f37", minor: "#9a6700", major: "#bc4c00", critical: "#cf222e",
    maintenance: "#0969da"};
  var box = document.createElement("div");
  var css = "font:14px/1.4 system-ui,sans-serif;border:1px solid #d8dee4;border-radius:6px;" +
    "padding:8px 12px;background:#fff;color:#1f2328;max-width:22rem";
  if (script.getAttribute("data-position") === "bottom-right") {
    css += ";position:fixed;right:16px;bottom:16px;z-index:2147483647;" +
      "box-shadow:0 2px 8px rgba(0,0,0,.15)";
  }
  box.className = "aviso-widget";
  box.setAttribute("role", "status");
  box.style.cssText = css;
  script.parentNode.insertBefore(box, script.nextSibling);

  function el(tag, text, style) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    if (style) node.style.cssText = style;
    return node;
  }

  function link(text, href, style) {
    var a = el("a", text, style);
    a.href = href;
    return a;
  }

  function show(data) {
    var state = data.status || {};
    var home = (data.page && data.page.url ? data.page.url + "/" : base);
    box.textContent = "";
    var head = link("", home, "color:inherit;text-decoration:none;font-weight:600");
    var dot = el("span", "\u25cf ", "color:" + (colours[state.indicator] || "#57606a"));
    dot.setAttribute("aria-hidden", "true");
    head.appendChild(dot);
    head.appendChild(document.createTextNode(state.description || ""));
    box.appendChild(head);
    (data.incidents || []).slice(0, 3).forEach(function (incident) {
      var line = el("p", null, "margin:6px 0 0");
      line.className = "aviso-incident";
      line.appendChild(link(incident.name, incident.shortlink || home, "color:#0b57d0"));
      var word = String(incident.status || "").replace(/_/g, " ");
      line.appendChild(el("span", " \u2013 " + word, "color:#57606a"));
      box.appendChild(line);
    });
  }

  function load() {
    var token = script.getAttribute("data-token");
    var headers = token ? {Authorization: "Bearer " + token} : {};
    fetch(base + "api/v2/summary.json", {credentials: "omit", cache: "no-cache", headers: headers})
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(show)
      .catch(function () {
        if (!box.firstChild) box.appendChild(link("Status", base));
      });
  }

  load();
  var every = Math.max(15, parseInt(script.getAttribute("data-refresh"), 10) || 60);
  setInterval(load, every * 1000);
})();
