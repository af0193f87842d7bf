// Drag and drop rescheduling on the calendar: HTML5 drag events, one POST per drop.
// Listeners sit on the document, so they keep working after HTMX swaps the calendar.
// A drop on a time that has gone is refused with a "Publish now" button, which posts now=1 instead.
(function () {
  "use strict";
  var dragged = null;

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function dropTarget(node) {
    if (!node || !node.closest) { return null; }
    return node.closest("[data-hour][data-date]") || node.closest(".day[data-date]");
  }

  function clearOver() {
    document.querySelectorAll(".drop-over").forEach(function (el) { el.classList.remove("drop-over"); });
  }

  function say(text, isError) {
    var box = document.getElementById("calendar-message");
    if (!box) { return; }
    box.textContent = text;
    box.hidden = !text;
    box.classList.toggle("error", !!isError);
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.text().then(function (text) {
        return { ok: response.ok, text: text, offer: response.headers.get("Stoa-Offer") };
      });
    });
  }

  function networkError() {
    var box = document.getElementById("calendar-message");
    say((box && box.getAttribute("data-network-error")) || "Network error: the post was not moved.", true);
  }

  // The refusal of a drop on the past, with its offer: publish now, then show the calendar as it now is.
  function offerPublishNow(url) {
    var box = document.getElementById("calendar-message");
    if (!box) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "publish-now";
    button.textContent = box.getAttribute("data-publish-now") || "Publish now";
    button.addEventListener("click", function () {
      var body = new FormData();
      body.append("now", "1");
      button.disabled = true;
      post(url, body).then(function (answer) {
        if (!answer.ok) { say(answer.text, true); return; }
        say("", false);
        if (window.htmx) {
          window.htmx.ajax("GET", window.location.href, { target: "#calendar", swap: "outerHTML" });
        } else {
          window.location.reload();
        }
      }).catch(networkError);
    });
    box.append(" ", button);
  }

  function refreshEmpty(cell) {
    var day = cell && (cell.closest(".day[data-date]") || cell);
    if (!day || !day.classList.contains("day")) { return; }
    day.classList.toggle("empty-day", !day.querySelector(".entry:not(.state-cancelled)"));
  }

  function placeSorted(list, entry) {
    var time = entry.getAttribute("data-time") || "";
    var before = Array.prototype.find.call(list.children, function (other) {
      return other !== entry && (other.getAttribute("data-time") || "") > time;
    });
    list.insertBefore(entry, before || null);
  }

  document.addEventListener("dragstart", function (ev) {
    var entry = ev.target.closest && ev.target.closest('.entry[draggable="true"]');
    if (!entry) { return; }
    dragged = entry;
    ev.dataTransfer.effectAllowed = "move";
    ev.dataTransfer.setData("text/plain", entry.getAttribute("data-publication"));
    entry.classList.add("dragging");
  });

  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
    clearOver();
  });

  document.addEventListener("dragover", function (ev) {
    var target = dropTarget(ev.target);
    if (!dragged || !target) { return; }
    ev.preventDefault();
    ev.dataTransfer.dropEffect = "move";
    if (!target.classList.contains("drop-over")) { clearOver(); target.classList.add("drop-over"); }
  });

  document.addEventListener("drop", function (ev) {
    var target = dropTarget(ev.target);
    if (!dragged || !target) { return; }
    ev.preventDefault();
    clearOver();
    var entry = dragged, source = entry.parentElement;
    var body = new FormData();
    body.append("date", target.getAttribute("data-date"));
    if (target.hasAttribute("data-hour")) { body.append("hour", target.getAttribute("data-hour")); }
    entry.classList.add("saving");
    post(entry.getAttribute("data-move-url"), body).then(function (answer) {
      entry.classList.remove("saving");
      if (!answer.ok) {  // the entry stays where it was
        say(answer.text, true);
        if (answer.offer === "publish-now") { offerPublishNow(entry.getAttribute("data-move-url")); }
        return;
      }
      var holder = document.createElement("div");
      holder.innerHTML = answer.text.trim();
      var fresh = holder.firstElementChild;
      var list = target.querySelector(".entries") || target;
      entry.remove();
      placeSorted(list, fresh);
      fresh.classList.add("moved");
      refreshEmpty(source);
      refreshEmpty(target);
      say("", false);
    }).catch(function () {
      entry.classList.remove("saving");
      networkError();
    });
  });
})();
