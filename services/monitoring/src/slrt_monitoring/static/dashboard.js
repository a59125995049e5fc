// Staff dashboard: fetch the server-rendered figures, re-fetch on every server-sent 'update'.
(function () {
  const params = new URLSearchParams(location.search);
  if (params.get("token")) {
    sessionStorage.setItem("slrt-token", params.get("token"));
    params.delete("token");
    history.replaceState(null, "", location.pathname + (params.toString() ? "?" + params : ""));
  }
  const token = sessionStorage.getItem("slrt-token");
  const form = document.getElementById("filters");
  const main = document.getElementById("figures");
  const live = document.getElementById("live");
  for (const [k, v] of params) if (form.elements[k]) form.elements[k].value = v;
  if (!token) { main.textContent = "Masuk dulu: buka halaman ini dengan ?token=<token petugas>."; return; }

  function query() {
    const q = new URLSearchParams();
    for (const k of ["region", "period"]) if (form.elements[k].value) q.set(k, form.elements[k].value);
    return q;
  }
  let pending = null, inflight = false;
  async function refresh() {
    if (inflight) { pending = pending || setTimeout(() => { pending = null; refresh(); }, 100); return; }
    inflight = true;
    try {
      const r = await fetch("/dashboard/fragment?" + query(), { headers: { Authorization: "Bearer " + token } });
      main.innerHTML = r.ok ? await r.text() : "Tidak dapat memuat data (" + r.status + ")";
      main.dataset.updated = String(Date.now());
    } finally { inflight = false; }
  }
  let source = null;
  function connect() {
    if (source) source.close();
    const q = query(); q.set("access_token", token);
    source = new EventSource("/dashboard/events?" + q);
    source.addEventListener("hello", () => { live.textContent = "langsung"; live.classList.add("on"); });
    source.addEventListener("update", refresh);
    source.onerror = () => { live.textContent = "terputus, mencoba lagi…"; live.classList.remove("on"); };
  }
  form.addEventListener("submit", (e) => { e.preventDefault(); refresh(); connect(); });
  refresh(); connect();
})();
