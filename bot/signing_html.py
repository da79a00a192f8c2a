"""The signing page's HTML and script (see bot/signing_page.py): one document, no external
resources; the script runs under the response's CSP nonce and reads its data from the
`signing-data` JSON block."""

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Steward</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto;
         padding: 0 1rem; color: #1d1d1f; background: #fafafa; }
  h1 { font-size: 1.4rem; }
  pre { white-space: pre-wrap; word-break: break-all; background: #fff; border: 1px solid #ddd;
        border-radius: 8px; padding: 1rem; font-size: 0.85rem; max-height: 28rem;
        overflow: auto; }
  button { font: inherit; padding: 0.6rem 1.2rem; border: 0; border-radius: 8px;
           background: #3a5ccc; color: #fff; cursor: pointer; }
  button:disabled { background: #999; cursor: default; }
  #status { margin-top: 1rem; min-height: 1.5rem; overflow-wrap: anywhere; }
  .ok { color: #176b2c; font-weight: 600; }
  .error { color: #a31b1b; }
  .hint { color: #555; font-size: 0.9rem; }
</style>
</head>
<body>
<h1>{heading}</h1>
<p>{intro}</p>
<pre id="message">{shown}</pre>
<button id="sign" type="button">Sign with my wallet</button>
<div id="status" role="status" aria-live="polite"></div>
<p class="hint">{hint}</p>
<script type="application/json" id="signing-data">{data}</script>
<script nonce="{script_nonce}">
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("signing-data").textContent);
  var button = document.getElementById("sign");
  var status = document.getElementById("status");

  function show(text, kind) {
    status.textContent = text;
    status.className = kind || "";
  }

  function utf8Hex(text) {
    var bytes = new TextEncoder().encode(text);
    var hex = "0x";
    for (var i = 0; i < bytes.length; i++) {
      hex += bytes[i].toString(16).padStart(2, "0");
    }
    return hex;
  }

  function params(account) {
    if (data.request.method === "personal_sign") {
      return [utf8Hex(data.request.message), account];
    }
    return [account, JSON.stringify(data.request.typedData)];
  }

  if (data.state === "used" || data.state === "expired") {
    button.disabled = true;
    show(data.state === "used" ? data.used : data.expired, "error");
    return;
  }

  async function sign() {
    var ethereum = window.ethereum;
    if (!ethereum) {
      show(data.noWallet, "error");
      return;
    }
    button.disabled = true;
    try {
      show("Connecting to your wallet…");
      var accounts = await ethereum.request({ method: "eth_requestAccounts" });
      var chainId = parseInt(await ethereum.request({ method: "eth_chainId" }), 16);
      var account = (accounts || []).find(function (a) {
        return a.toLowerCase() === data.address.toLowerCase();
      });
      if (!account) {
        show("Your wallet is connected as " + (accounts[0] || "no account") + ", but this " +
             "message is for " + data.address + ": switch to that account and try again.",
             "error");
        button.disabled = false;
        return;
      }
      if (data.chainId !== null && chainId !== data.chainId) {
        show("Your wallet is on chain " + chainId + "; this message is for chain " +
             data.chainId + ". Signing anyway…");
      } else {
        show("Waiting for your signature…");
      }
      var signature = await ethereum.request({
        method: data.request.method,
        params: params(account),
      });
      show("Checking the signature…");
      var response = await fetch(window.location.pathname, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ signature: signature }),
      });
      var text = await response.text();
      if (response.ok) {
        show(text, "ok");
        button.hidden = true;
        document.body.dataset.verified = "true";
      } else {
        show(text, "error");
        button.disabled = false;
      }
    } catch (err) {
      show("The wallet did not sign: " + ((err && err.message) || err), "error");
      button.disabled = false;
    }
  }

  button.addEventListener("click", sign);
})();
</script>
</body>
</html>
"""
