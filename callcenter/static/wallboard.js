// The supervisor's wallboard: the figures again every few seconds, without reloading the page.
(function () {
  "use strict";
  const PERIOD_MS = 5000;
  const $ = (id) => document.getElementById(id);
  const pct = (value) => value === null || value === undefined ? "—" : (value * 100).toFixed(1) + "%";
  const text = (id, value) => { const el = $(id); if (el) el.textContent = value; };

  function show(board) {
    text("wb-at", board.at);
    text("wb-waiting", board.waiting);
    text("wb-longest", board.longest_wait_s);
    for (const el of document.querySelectorAll("[data-agents]")) el.textContent = board.agents[el.dataset.agents] || 0;
    text("wb-service-level", pct(board.service_level));
    text("wb-in-target", board.answered_in_target);
    text("wb-offered", board.offered);
    text("wb-abandonment", pct(board.abandonment_rate));
    text("wb-abandoned", board.abandoned);
    const plan = board.plan;
    text("wb-slot", plan ? plan.slot : "");
    text("wb-plan-service-level", plan ? pct(plan.service_level) : "計画なし");
    text("wb-plan-abandonment", plan ? pct(plan.abandonment_rate) : "計画なし");
    text("wb-plan-calls", plan ? plan.calls.toFixed(1) + " 件" : "計画なし");
    text("wb-plan-agents", plan ? plan.agents + " 人" : "計画なし");
    text("wb-day-forecast", plan ? plan.day_forecast.toFixed(0) + " 件" : "計画なし");
    text("wb-day-reforecast", plan ? plan.day_reforecast.toFixed(0) + " 件" : "計画なし");
    text("wb-needed", plan ? plan.agents_needed_now + " 人" : "計画なし");
  }

  async function refresh() {
    try {
      const answer = await fetch("/api/callcenter/wallboard", {credentials: "same-origin"});
      if (!answer.ok) throw new Error(String(answer.status));
      show(await answer.json());
      text("wb-error", "");
    } catch (error) {
      text("wb-error", "更新できませんでした（" + error.message + "）。数秒後にもう一度試します。");
    }
  }

  window.SecretariatWallboard = {refresh: refresh, periodMs: PERIOD_MS};
  setInterval(refresh, PERIOD_MS);
})();
