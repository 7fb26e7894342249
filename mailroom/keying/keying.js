// Keying without a mouse: a code field that is full moves on to the next field (auto-skip), and the
// bank's and branch's Zengin names appear beside their codes as they are typed.
(function () {
  "use strict";
  var form = document.getElementById("keying");
  if (!form) { return; }
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input:not([type=hidden])"));
  var bank = document.getElementById("bank_code");
  var branch = document.getElementById("branch_code");
  var seq = 0;

  function lookup() {
    var mine = ++seq;
    var url = "/mailroom/keying/banks?bank=" + encodeURIComponent(bank.value) +
              "&branch=" + encodeURIComponent(branch.value);
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (found) {
      if (mine !== seq) { return; }
      var bankName = found.bank || (found.banks || []).map(function (b) { return b.code + " " + b.name; }).join("　");
      var branchName = found.branch || (found.branches || []).map(function (b) { return b.code + " " + b.name; }).join("　");
      document.getElementById("bank_name").textContent = bankName || (bank.value.length === 4 ? "該当なし" : "");
      document.getElementById("branch_name").textContent = branchName || (branch.value.length === 3 ? "該当なし" : "");
    });
  }

  inputs.forEach(function (input, index) {
    input.addEventListener("input", function () {
      var digits = input.getAttribute("inputmode") === "numeric";
      if (digits) { input.value = input.value.replace(/[０-９]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); }); }
      if (input === bank || input === branch) { lookup(); }
      var full = /^[0-9]+$/.test(input.value) && input.value.length >= input.maxLength && input.maxLength <= 7;
      if (digits && full && index + 1 < inputs.length) { inputs[index + 1].focus(); inputs[index + 1].select(); }
    });
  });
  if (bank.value) { lookup(); }
}());
