// The check-in station without a mouse: the handheld scanner types a code and Enter, the station
// answers in place (no page load, so the next scan's keys are never lost), with a colour and a
// sound per result; F2/F3/F4 (or Alt+1/2/3) switch the mode, and the focus always comes back to
// the code field. Without this script the form still posts and the page shows the same result.
(function () {
  "use strict";
  var form = document.getElementById("station");
  if (!form) { return; }
  var code = document.getElementById("code");
  var mode = document.getElementById("mode");
  var banner = document.getElementById("mode-banner");
  var modeName = document.getElementById("mode-name");
  var postmark = document.getElementById("postmarked_on");
  var queue = Promise.resolve();
  var seq = 0;
  var audio = null;

  // --- sound: one tone pattern per result (Web Audio API, no files) ---------------------------
  var TONES = {
    accepted: [{hz: 1047, ms: 110}],                                  // one short high beep
    warning: [{hz: 740, ms: 140}, {hz: 0, ms: 80}, {hz: 740, ms: 140}], // two middle beeps
    error: [{hz: 196, ms: 650, wave: "square"}]                       // one long low buzz
  };

  function wakeAudio() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return null; }
    if (!audio) { audio = new Context(); }
    if (audio.state === "suspended" && audio.resume) { audio.resume(); }
    return audio;
  }

  function beep(level) {
    var context = wakeAudio();
    if (!context || !TONES[level]) { return; }
    var at = context.currentTime + 0.01;
    TONES[level].forEach(function (tone) {
      var seconds = tone.ms / 1000;
      if (tone.hz) {
        var oscillator = context.createOscillator();
        var gain = context.createGain();
        oscillator.type = tone.wave || "sine";
        oscillator.frequency.value = tone.hz;
        gain.gain.setValueAtTime(0.25, at);
        gain.gain.setValueAtTime(0.25, at + seconds - 0.02);
        gain.gain.linearRampToValueAtTime(0, at + seconds);
        oscillator.connect(gain);
        gain.connect(context.destination);
        oscillator.start(at);
        oscillator.stop(at + seconds);
      }
      at += seconds;
    });
  }

  function announce() {
    var result = document.getElementById("result");
    if (result) { beep(result.getAttribute("data-level")); }
  }

  // --- the mode ---------------------------------------------------------------------------
  function setMode(value) {
    if (!value || mode.value === value && banner.className.indexOf("mode-" + value) >= 0) {
      code.focus();
      return;
    }
    mode.value = value;
    banner.className = "mode-banner mode-" + value;
    modeName.textContent = mode.options[mode.selectedIndex].text.replace(/^F\d+\s*/, "");
    Array.prototype.forEach.call(document.querySelectorAll("#counts [data-mode]"), function (box) {
      box.classList.toggle("current", box.getAttribute("data-mode") === value);
    });
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", "/mailroom?mode=" + encodeURIComponent(value));
    }
    code.focus();
  }

  function modeForKey(event) {
    var index = -1;
    if (/^F[2-4]$/.test(event.key) && !event.altKey && !event.ctrlKey && !event.metaKey) {
      index = Number(event.key.slice(1)) - 2;
    } else if (event.altKey && !event.ctrlKey && !event.metaKey && /^Digit[1-3]$/.test(event.code)) {
      index = Number(event.code.slice(5)) - 1;
    }
    return index >= 0 && index < mode.options.length ? mode.options[index].value : null;
  }

  document.addEventListener("keydown", function (event) {
    wakeAudio();  // a key press lets the page make sound from now on
    var chosen = modeForKey(event);
    if (chosen) {
      event.preventDefault();
      setMode(chosen);
    }
  });
  mode.addEventListener("change", function () { setMode(mode.value); });

  // --- the focus comes back to the code field ----------------------------------------------
  var CONTROLS = "input, select, textarea, button, a, label, summary, [tabindex]";
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest(CONTROLS)) { code.focus(); }
  });
  window.addEventListener("focus", function () { code.focus(); });
  code.addEventListener("blur", function () {
    window.setTimeout(function () {
      var now = document.activeElement;
      if (!now || now === document.body || now === document.documentElement) { code.focus(); }
    }, 0);
  });

  // --- a scan: post it, show the answer in place ---------------------------------------------
  function swap(html, url) {
    var answer = new DOMParser().parseFromString(html, "text/html");
    var fresh = answer.getElementById("station-live");
    var live = document.getElementById("station-live");
    if (!fresh || !live) {  // not the station (the login page after a long pause): go there
      window.location.assign(url);
      return;
    }
    live.replaceWith(fresh);
    fresh.setAttribute("data-seq", String(++seq));
    announce();
  }

  function failed() {
    var live = document.getElementById("station-live");
    var section = document.createElement("section");
    section.id = "result";
    section.className = "station-result level-error";
    section.setAttribute("data-level", "error");
    section.setAttribute("role", "alert");
    section.innerHTML = "<h2><span class=\"level-mark\">×</span> サーバーに届きませんでした。" +
                        "ネットワークを確認して、もう一度読み取ってください。</h2>";
    var old = document.getElementById("result");
    if (old) { old.replaceWith(section); } else { live.prepend(section); }
    live.setAttribute("data-seq", String(++seq));
    announce();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!code.value.trim()) { code.value = ""; code.focus(); return; }  // a scanner's stray Enter
    var data = new FormData(form);
    code.value = "";
    if (postmark) { postmark.value = ""; }  // a postmark belongs to one envelope
    code.focus();
    queue = queue.then(function () {
      return fetch(form.action, {method: "POST", body: data, credentials: "same-origin"})
        .then(function (response) {
          return response.text().then(function (html) { swap(html, response.url); });
        })
        .catch(failed);
    });
  });

  announce();
  code.focus();
}());
