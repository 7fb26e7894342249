// The agent's softphone on /callcenter: state buttons, the ringing call, the call in progress and
// the wrap-up (後処理). Twilio's SDK is reached only through window.SecretariatPhone.createDevice,
// the one boundary a browser test replaces with a stand-in (set before this file runs).
(function () {
  "use strict";
  const phone = window.SecretariatPhone = window.SecretariatPhone || {};
  if (!phone.createDevice) {
    phone.createDevice = (token) => new window.Twilio.Device(token, {closeProtection: true,
                                                                     codecPreferences: ["opus", "pcmu"]});
  }

  const root = document.getElementById("softphone");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const csrf = root.dataset.csrf;
  const shown = {incoming: $("phone-incoming"), call: $("phone-call"), wrapup: $("phone-wrapup")};
  let device = null, ringing = null, current = null, callSid = "", callInfo = null, held = false, since = null;

  function say(text) { $("phone-message").textContent = text || ""; }
  function complain(text) { $("phone-error").textContent = text || ""; }

  async function post(url, fields) {
    const answer = await fetch(url, {method: "POST", credentials: "same-origin",
                                     headers: {"x-csrf-token": csrf}, body: new URLSearchParams(fields || {})});
    let body = {};
    try { body = await answer.json(); } catch (ignored) { body = {}; }
    if (!answer.ok) throw new Error(body.error || "操作できませんでした（" + answer.status + "）。もう一度お試しください。");
    return body;
  }

  function show(me) {
    const state = $("phone-state");
    state.textContent = me.label;
    state.dataset.state = me.state;
    since = me.since ? new Date(me.since) : null;
    tick();
    if (me.state === "wrap_up" && me.call) {
      shown.wrapup.dataset.call = me.call.call_sid;
      shown.wrapup.hidden = false;
    } else {
      shown.wrapup.hidden = true;
    }
  }

  function tick() {
    const seconds = since ? Math.max(0, Math.floor((Date.now() - since.getTime()) / 1000)) : 0;
    const minutes = Math.floor(seconds / 60);
    $("phone-timer").textContent = String(minutes).padStart(2, "0") + ":" + String(seconds % 60).padStart(2, "0");
  }

  for (const button of root.querySelectorAll("button[data-state]")) {
    button.addEventListener("click", async () => {
      complain("");
      try {
        show(await post("/api/callcenter/state", {state: button.dataset.state}));
        say("状態を「" + button.textContent + "」にしました。");
      } catch (error) { complain(error.message); }
    });
  }

  function sidOf(call) {
    const custom = call.customParameters && call.customParameters.get && call.customParameters.get("call_sid");
    return custom || (call.parameters && call.parameters.CallSid) || "";
  }

  function incoming(call) {
    const sid = sidOf(call);
    if (held && sid === callSid) {  // the caller coming back from hold: take them straight back
      held = false;
      attach(call);
      call.accept();
      return;
    }
    if (current || ringing) { call.reject(); return; }
    ringing = call;
    $("incoming-about").textContent = "お客様からの電話です。";
    shown.incoming.hidden = false;
    $("phone-accept").focus();
    const gone = () => { if (ringing === call) { ringing = null; shown.incoming.hidden = true; say("着信が終わりました。"); } };
    call.on("cancel", gone);
    call.on("reject", gone);
  }

  function attach(call) {
    current = call;
    call.on("disconnect", () => ended(call));
  }

  async function answered(call) {
    callSid = sidOf(call);
    shown.incoming.hidden = true;
    shown.call.hidden = false;
    $("phone-hangup").focus();
    try {
      const me = await post("/api/callcenter/calls/answered", {call_sid: callSid});
      show(me);
      callInfo = me.call;
      if (callInfo) callSid = callInfo.call_sid;
      const pop = $("screen-pop");
      if (callInfo && callInfo.screen_pop) {
        pop.href = callInfo.screen_pop;
        pop.hidden = false;
        $("call-about").textContent = "通話中（" + callInfo.language_label + "）";
        window.open(callInfo.screen_pop, "secretariat-record");
      } else {
        pop.hidden = true;
        $("call-about").textContent = "通話中（番号に一致する記録なし）";
      }
    } catch (error) { complain(error.message); }
  }

  async function ended(call) {
    if (call !== current) return;
    current = null;
    if (held) return;  // the caller is in the hold queue; the call comes back to this phone
    shown.call.hidden = true;
    $("phone-mute").setAttribute("aria-pressed", "false");
    try {
      show(await post("/api/callcenter/calls/ended", {call_sid: callSid}));
      say("通話が終わりました。後処理コードを選んでください。");
      $("wrapup-code").focus();
    } catch (error) { complain(error.message); }
  }

  $("phone-accept").addEventListener("click", () => {
    const call = ringing;
    if (!call) return;
    ringing = null;
    attach(call);
    call.on("accept", () => answered(call));
    call.accept();
  });
  $("phone-reject").addEventListener("click", () => {
    const call = ringing;
    ringing = null;
    shown.incoming.hidden = true;
    if (call) call.reject();
    say("着信を拒否しました。");
  });
  $("phone-hangup").addEventListener("click", () => { if (current) current.disconnect(); });
  $("phone-mute").addEventListener("click", (event) => {
    if (!current) return;
    const muting = !current.isMuted();
    current.mute(muting);
    event.currentTarget.setAttribute("aria-pressed", String(muting));
    say(muting ? "ミュートにしました。" : "ミュートを解除しました。");
  });
  $("phone-hold").addEventListener("click", async (event) => {
    const button = event.currentTarget, holding = !held;
    complain("");
    try {
      await post("/api/callcenter/calls/hold", {call_sid: callSid, on: String(holding)});
      held = holding;
      button.setAttribute("aria-pressed", String(holding));
      button.textContent = holding ? "保留解除" : "保留";
      say(holding ? "保留にしました。お客様には保留音が流れています。" : "保留を解除しています。");
    } catch (error) { complain(error.message); }
  });
  $("phone-transfer").addEventListener("click", async () => {
    const select = $("transfer-to");
    complain("");
    try {
      const me = await post("/api/callcenter/calls/transfer", {call_sid: callSid, to: select.value});
      const call = current;
      current = null;
      shown.call.hidden = true;
      if (call) call.disconnect();
      show(me);
      say(select.options[select.selectedIndex].textContent + " へ転送しました。後処理コードを選んでください。");
    } catch (error) { complain(error.message); }
  });
  $("phone-interpreter").addEventListener("click", async () => {
    complain("");
    const answer = await fetch("/callcenter/calls/join", {method: "POST", credentials: "same-origin",
      headers: {"x-csrf-token": csrf}, body: new URLSearchParams({call_sid: callSid, agent_number: ""})});
    if (answer.ok) say("通訳者との三者通話にしました。");
    else complain("通訳を追加できませんでした。通訳会議のある通話（外国語の着信）だけ追加できます。");
  });
  shown.wrapup.addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = $("wrapup-code").value;
    complain("");
    if (!code) { complain("後処理コードを選んでください。"); $("wrapup-code").focus(); return; }
    try {
      show(await post("/api/callcenter/wrap-up", {call_sid: shown.wrapup.dataset.call, code: code}));
      $("wrapup-code").value = "";
      say("後処理を完了しました。受付可です。");
    } catch (error) { complain(error.message); }
  });

  async function connect() {
    try {
      const made = await post("/api/callcenter/token");
      device = phone.createDevice(made.token);
      device.on("incoming", incoming);
      device.on("registered", () => { $("phone-device").textContent = "電話機 接続済み"; });
      device.on("unregistered", () => { $("phone-device").textContent = "電話機 未接続"; });
      device.on("error", (error) => complain("電話機のエラー: " + ((error && error.message) || "不明") + "（番号 " + ((error && error.code) || "—") + "）"));
      device.on("tokenWillExpire", async () => {
        try { device.updateToken((await post("/api/callcenter/token")).token); } catch (error) { complain(error.message); }
      });
      await device.register();
    } catch (error) {
      $("phone-device").textContent = "電話機 未接続";
      complain(error.message);
    }
  }

  since = $("phone-timer").dataset.since ? new Date($("phone-timer").dataset.since) : null;
  shown.wrapup.hidden = !shown.wrapup.dataset.call;
  tick();
  setInterval(tick, 1000);
  phone.ready = connect();
})();
