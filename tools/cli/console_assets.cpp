// The console's only script and stylesheet. Pages hold neither inline, so that the
// Content-Security-Policy allows scripts and styles from the console itself and nothing else.
#include "console_pages.hpp"

namespace cinetpay::cli::console {

// Live updates: /events streams what the change feed adds after the page's cursor, the
// counts by state and the sending switch; they are written in place, as text (never as
// HTML), so that no payout's field can become markup.
const std::string_view kScript = R"js("use strict";
(function () {
  const body = document.body;
  const cursor = body.dataset.cursor || "0";
  const source = new EventSource("/events?cursor=" + encodeURIComponent(cursor));
  function setState(cell, state) {
    cell.textContent = state;
    cell.className = "state state-" + state;
  }
  source.onmessage = function (event) {
    let m;
    try { m = JSON.parse(event.data); } catch (e) { return; }
    for (const c of m.changes || []) {
      for (const row of document.querySelectorAll("tr[data-id]")) {
        if (row.dataset.id !== c.id) continue;
        const cell = row.querySelector("td.state");
        if (cell) setState(cell, c.state);
      }
      const payout = document.getElementById("payout");
      if (payout && payout.dataset.id === c.id) {
        document.getElementById("state").textContent = c.state;
        const cancel = document.getElementById("cancel");
        if (cancel) cancel.remove();
      }
    }
    for (const [state, total] of Object.entries(m.counts || {})) {
      for (const row of document.querySelectorAll("#state-counts tr[data-state]")) {
        if (row.dataset.state !== state) continue;
        row.querySelector(".count").textContent = String(total.count);
        row.querySelector(".amount").textContent = String(total.amount);
      }
    }
    const sw = document.getElementById("sending-switch");
    if (sw && typeof m.paused === "boolean" && sw.className !== (m.paused ? "paused" : "sending")) {
      sw.className = m.paused ? "paused" : "sending";
      sw.querySelector("p").textContent = m.paused
        ? "Sending is paused: no worker claims a payout for sending (reload for who and why)."
        : "Workers are sending.";
      for (const form of sw.querySelectorAll("form")) form.remove();
    }
  };
})();
)js";

const std::string_view kStyle =
    R"css(body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #222; }
nav { background: #123; padding: .6em 1em; }
nav a, nav span { color: #fff; margin-right: 1.2em; text-decoration: none; }
main { padding: 1em 1.5em; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border-bottom: 1px solid #ddd; padding: .25em .6em; text-align: left; }
td.amount, td.count { text-align: right; font-variant-numeric: tabular-nums; }
.state-paid { color: #176b2c; } .state-failed, .state-rejected { color: #a11; }
.state-unknown, .state-sending { color: #a60; } .state-cancelled { color: #666; }
#sending-switch { padding: .5em 1em; border-radius: 4px; }
#sending-switch.paused { background: #fde2e2; } #sending-switch.sending { background: #e4f5e8; }
#alerts li { color: #a11; } #flash { background: #eef; padding: .5em 1em; }
#chart { width: 100%; max-width: 960px; height: 140px; background: #fafafa; }
.bar-paid { fill: #2e9e4f; } .bar-failed { fill: #d9534f; } .bar-rejected { fill: #b33; }
.bar-cancelled { fill: #999; }
form { margin: .6em 0; } dl { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; }
pre { background: #f6f6f6; padding: .6em; overflow: auto; }
)css";

}  // namespace cinetpay::cli::console
