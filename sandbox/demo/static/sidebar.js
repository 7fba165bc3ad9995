// The sidebar's other places, each shown over the channel: the app's Home tab (the app
// publishes it when it is opened), and the direct messages with the app (a chart, an
// export's file), which the sidebar counts until they are looked at, as Slack does.
"use strict";

const dmLayer = document.getElementById("dm-layer");
const dmRead = {}; // by person: how many of their direct messages were on screen
let dmShown = { user: null, count: 0 };

function showDms() {
  dmLayer.hidden = false;
  dmRead[dmShown.user] = dmShown.count;
  const list = document.getElementById("dm-messages");
  list.scrollTop = list.scrollHeight; // the latest, as a conversation opens
  document.getElementById("dm-unread").hidden = true;
}

// Each time the page's state arrives (demo.js fetches it every second).
document.addEventListener("demo-state", (event) => {
  const state = event.detail;
  place("dm-messages", state.dms);
  dmShown = { user: state.user, count: state.dm_count };
  if (!dmLayer.hidden) dmRead[state.user] = state.dm_count;
  const unread = state.dm_count - (dmRead[state.user] || 0);
  const badge = document.getElementById("dm-unread");
  badge.textContent = unread > 0 ? String(unread) : "";
  badge.hidden = unread <= 0;
});

document.getElementById("show-dms").addEventListener("click", showDms);
dmLayer.addEventListener("click", (event) => {
  if (event.target === dmLayer || event.target.closest(".dm-close")) dmLayer.hidden = true;
});

document.getElementById("show-home").addEventListener("click", () => post("home"));
document.getElementById("home-layer").addEventListener("click", (event) => {
  if (event.target.id === "home-layer") post("close", { what: "home" });
});
