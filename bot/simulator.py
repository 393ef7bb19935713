"""The local simulator: talk to the service as a citizen (SMS or Telegram) or as an official,
and see every message each side receives. Registered only when SIMULATOR is on (by default when
no provider is configured): it has no authentication and must never face the internet."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, request

from bot import current_services
from bot.webhooks import ingest
from intake.model import Channel
from intake.sms import count_segments

bp = Blueprint("simulator", __name__, url_prefix="/simulator")


@bp.post("/api/messages")
def send():
    """Inject a message as if a provider had delivered it: {channel, address, text}."""
    data = request.get_json(silent=True) or {}
    channel, address, text = data.get("channel"), str(data.get("address", "")).strip(), data.get("text")
    if channel not in (Channel.SMS, Channel.TELEGRAM) or not address or not isinstance(text, str):
        return {"error": "channel (sms|telegram), address and text are required"}, 400
    if channel == Channel.TELEGRAM and not address.lstrip("-").isdigit():
        return {"error": "a Telegram address is a numeric chat id"}, 400
    message_id, _ = ingest(current_services(), channel, address, f"sim-{uuid.uuid4().hex}", text)
    return {"message_id": message_id}, 201


@bp.get("/api/messages")
def messages():
    """Every message after `after` (an id), oldest first, with SMS segment counts."""
    after = request.args.get("after", default=0, type=int)
    with current_services().uow() as uow:
        rows = uow.repo.recent_messages(after_id=after, limit=1000)
        out = []
        for m in rows:
            seg = count_segments(m.body) if m.channel == Channel.SMS else None
            out.append(
                {
                    "id": m.id,
                    "direction": m.direction,
                    "channel": m.channel,
                    "address": m.address,
                    "text": m.body,
                    "status": m.status,
                    "purpose": m.purpose,
                    "case_id": m.case_id,
                    "segments": seg.segments if seg else None,
                    "encoding": seg.encoding if seg else None,
                    "error": m.error,
                    "buttons": m.buttons,
                }
            )
    return {"messages": out}


@bp.get("")
def page():
    """The simulator page."""
    return Response(PAGE, mimetype="text/html")


PAGE = """<!doctype html>
<html lang="km"><head><meta charset="utf-8"><title>JSC justice line — simulator</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
 body{font-family:"Noto Sans Khmer","Khmer OS",system-ui,sans-serif;margin:0;background:#eef1f4}
 header{background:#23395d;color:#fff;padding:.6rem 1rem}
 header small{opacity:.8}
 main{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:1rem;padding:1rem}
 section{background:#fff;border-radius:8px;display:flex;flex-direction:column;height:78vh;box-shadow:0 1px 3px #0002}
 h2{font-size:1rem;margin:0;padding:.6rem .8rem;border-bottom:1px solid #ddd}
 h2 input{width:9rem;font-size:.85rem}
 .log{flex:1;overflow-y:auto;padding:.6rem}
 .msg{max-width:85%;margin:.3rem 0;padding:.4rem .6rem;border-radius:10px;white-space:pre-wrap;font-size:.92rem}
 .in{background:#dcf3d0;margin-left:auto}
 .out{background:#f0f0f0}
 .meta{display:block;font-size:.7rem;color:#666;margin-top:.2rem}
 .failed{border:1px solid #c00}
 .buttons{display:flex;gap:.3rem;margin-top:.3rem}
 .buttons button{flex:1;font-size:.8rem;padding:.3rem;border:1px solid #7a9;border-radius:6px;background:#fff}
 form{display:flex;border-top:1px solid #ddd}
 form input{flex:1;padding:.6rem;border:0;font-size:1rem}
 form button{padding:0 1rem}
</style></head><body>
<header><b>JSC justice line — local simulator</b>
 <small>Messages go through the real pipeline (NLU, intake, routing, workers) and land in the local outbox.
 Officials: run <code>flask --app bot officials invite --office CODE --name NAME</code>, then send
 <code>/start CODE</code> from the official pane.</small></header>
<main>
 <section data-channel="sms"><h2>Citizen · SMS <input value="+85512345678" class="addr"></h2><div class="log"></div>
  <form><input placeholder="Type as a villager (ខ្មែរ / English)…" autocomplete="off"><button>Send</button></form></section>
 <section data-channel="telegram"><h2>Citizen · Telegram <input value="700001" class="addr"></h2><div class="log"></div>
  <form><input placeholder="Type as a Telegram user…" autocomplete="off"><button>Send</button></form></section>
 <section data-channel="telegram" data-official="1"><h2>Official · Telegram <input value="900001" class="addr"></h2><div class="log"></div>
  <form><input placeholder="/start CODE" autocomplete="off"><button>Send</button></form></section>
</main>
<script>
const all = [];
const panes = [...document.querySelectorAll("section")];
function render(){
  for (const p of panes){
    const addr = p.querySelector(".addr").value.trim(), ch = p.dataset.channel, log = p.querySelector(".log");
    const mine = all.filter(m => m.channel === ch && m.address === addr);
    log.innerHTML = "";
    for (const m of mine){
      const d = document.createElement("div");
      d.className = "msg " + m.direction + (m.status === "failed" ? " failed" : "");
      d.textContent = m.text || "(empty)";
      const meta = document.createElement("span"); meta.className = "meta";
      meta.textContent = m.direction === "out"
        ? `${m.status}${m.segments ? " · " + m.segments + " SMS segment(s), " + m.encoding : ""}${m.error ? " · " + m.error : ""}`
        : m.status;
      d.appendChild(meta);
      for (const row of (m.buttons || [])){
        const bar = document.createElement("div"); bar.className = "buttons";
        for (const [label, data] of row){
          const b = document.createElement("button"); b.textContent = label; b.type = "button";
          b.addEventListener("click", () => fetch("/simulator/api/messages", {method: "POST",
            headers: {"Content-Type": "application/json"},
            body: JSON.stringify({channel: m.channel, address: m.address, text: data})}));
          bar.appendChild(b);
        }
        d.appendChild(bar);
      }
      log.appendChild(d);
    }
    log.scrollTop = log.scrollHeight;
  }
}
async function poll(){
  try {
    // Statuses change after a message first appears (queued → sent), so fetch the window anew.
    const r = await fetch("/simulator/api/messages");
    const j = await r.json();
    all.length = 0; all.push(...j.messages);
    render();
  } catch(e) {}
  setTimeout(poll, 800);
}
for (const p of panes){
  p.querySelector("form").addEventListener("submit", async ev => {
    ev.preventDefault();
    const input = p.querySelector("form input"), text = input.value; if (!text) return;
    input.value = "";
    await fetch("/simulator/api/messages", {method:"POST", headers:{"Content-Type":"application/json"},
      body: JSON.stringify({channel: p.dataset.channel, address: p.querySelector(".addr").value.trim(), text})});
  });
  p.querySelector(".addr").addEventListener("change", render);
}
poll();
</script></body></html>
"""
