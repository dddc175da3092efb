// 网格巡查: the phone's position, only while a patrol runs (after the worker's consent on the start form).
// Start: the position is read once and sent with the form. Running: a position is read every data-interval
// seconds and sent (kept and resent when offline); the nearby list is refreshed from /patrol/nearby/. Test hook: the
// event "linli:patrol-sample" on document sends the current position at once.

const live = document.getElementById("patrol-live");
const startForm = document.getElementById("start-form");

function csrf(form) {
  const input = (form || document).querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

function fillHere(lat, lon) {
  document.querySelectorAll(".here-lat").forEach((el) => { el.value = String(lat); });
  document.querySelectorAll(".here-lon").forEach((el) => { el.value = String(lon); });
}

if (startForm) {
  let ready = false;
  startForm.addEventListener("submit", (ev) => {
    if (ready) return;
    ev.preventDefault();
    const err = document.getElementById("geo-error");
    if (!document.getElementById("consent").checked) return;
    if (!navigator.geolocation) {
      err.textContent = "本机无法定位，不能开始巡查";
      err.hidden = false;
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        document.getElementById("start-lat").value = String(pos.coords.latitude);
        document.getElementById("start-lon").value = String(pos.coords.longitude);
        ready = true;
        startForm.requestSubmit();
      },
      () => {
        err.textContent = "无法取得您的位置：请在手机设置中允许本页面使用位置";
        err.hidden = false;
      },
      { enableHighAccuracy: true, timeout: 15000 },
    );
  });
}

if (live && navigator.geolocation) {
  const interval = Math.max(5, Number(live.dataset.interval || 30)) * 1000;
  const buffer = [];
  let last = null;
  let sending = false;

  const showNearby = (items) => {
    const list = document.getElementById("nearby-list");
    const empty = document.getElementById("nearby-empty");
    list.replaceChildren();
    items.forEach((it) => {
      const li = document.createElement("li");
      const kind = document.createElement("span");
      kind.className = "tag";
      kind.textContent = it.kind;
      const a = document.createElement("a");
      a.href = it.url;
      a.textContent = it.title;
      const detail = document.createElement("span");
      detail.className = "muted";
      detail.textContent = ` ${it.distance_m} 米${it.detail ? " · " + it.detail : ""}`;
      li.append(kind, " ", a, detail);
      list.append(li);
    });
    empty.textContent = items.length ? "" : "附近 300 米内没有待办事项。";
  };

  const refreshNearby = async (p) => {
    try {
      const r = await fetch(`${live.dataset.nearbyUrl}?lat=${p.lat}&lon=${p.lon}`, { credentials: "same-origin" });
      if (r.ok) showNearby((await r.json()).items);
    } catch (e) { /* offline: keep the last list */ }
  };

  const send = async () => {
    if (sending || !buffer.length) return;
    sending = true;
    const batch = buffer.splice(0, buffer.length);
    const body = new FormData();
    body.append("csrfmiddlewaretoken", csrf(live.querySelector("form")));
    body.append("points", JSON.stringify(batch));
    try {
      const r = await fetch(live.dataset.pointsUrl, { method: "POST", body, credentials: "same-origin" });
      const data = await r.json();
      if (r.ok) {
        document.getElementById("track-count").textContent = String(data.points);
      } else if (r.status >= 500) {
        buffer.unshift(...batch);
      }
    } catch (e) {
      buffer.unshift(...batch); // offline: kept and sent with the next batch
    } finally {
      sending = false;
    }
    if (last) refreshNearby(last);
  };

  const take = (pos) => {
    last = { t: pos.timestamp || Date.now(), lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: pos.coords.accuracy };
    buffer.push(last);
    fillHere(last.lat, last.lon);
  };

  // one reading per interval (not a continuous watch): enough for a walk, and kinder to the battery
  const sample = () => {
    navigator.geolocation.getCurrentPosition(
      (pos) => { take(pos); send(); },
      () => { send(); },
      { enableHighAccuracy: true, maximumAge: 0, timeout: 20000 },
    );
  };
  setInterval(sample, interval);
  document.addEventListener("linli:patrol-sample", sample);
  live.dataset.ready = "1";
  navigator.geolocation.getCurrentPosition(
    (pos) => { fillHere(pos.coords.latitude, pos.coords.longitude); refreshNearby({ lat: pos.coords.latitude, lon: pos.coords.longitude }); },
    () => {},
    { enableHighAccuracy: true, timeout: 20000 },
  );
}
