/* The support page's chat widget on socket.io-client. Everything shown is set with textContent, never HTML. */
(function () {
  "use strict";

  var TEXTS = {
    zh: {
      pageTitle: "一汽-大众 售后服务", brand: "一汽-大众 售后服务",
      heroTitle: "车辆售后问题,我们来帮您",
      heroText: "维修、保养、价格、配件或服务态度的问题,都可以在线告诉我们。我们会记录成投诉工单,并由客户关系专员跟进。",
      cardChatTitle: "在线客服", cardChatText: "点击右下角的按钮开始对话,中文或英文都可以。",
      cardRescueTitle: "24小时道路救援", cardRescueText: "400-817-8888",
      cardStatusTitle: "查询进度", cardStatusText: "在对话中输入工单编号(例如 CMP-2026-000001)即可查询处理进度。",
      launcher: "在线客服", openChat: "打开在线客服", chatTitle: "在线客服", languageLabel: "语言",
      close: "关闭对话窗口", logLabel: "对话记录", repliesLabel: "快捷回复", inputLabel: "输入消息",
      placeholder: "请输入您的问题…", send: "发送", typing: "客服正在输入…",
      you: "您", assistant: "智能客服", agentJoined: "{name} 已加入对话", agentLeft: "{name} 已离开对话",
      anAgent: "人工客服", connecting: "正在连接…", offline: "连接已断开,正在重新连接…",
      languageSet: "已切换为中文"
    },
    en: {
      pageTitle: "FAW-Volkswagen After-sales Support", brand: "FAW-Volkswagen After-sales Support",
      heroTitle: "Trouble after a service? We're here to help",
      heroText: "Tell us online about repairs, maintenance, prices, parts or how you were treated. We record it as a complaint ticket and a customer-relations specialist follows it up.",
      cardChatTitle: "Chat with us", cardChatText: "Press the button at the bottom right to start. Chinese or English are both fine.",
      cardRescueTitle: "24-hour roadside assistance", cardRescueText: "400-817-8888",
      cardStatusTitle: "Check progress", cardStatusText: "Type your ticket number (e.g. CMP-2026-000001) in the chat to see how it is going.",
      launcher: "Chat with us", openChat: "Open the support chat", chatTitle: "Customer support", languageLabel: "Language",
      close: "Close the chat", logLabel: "Conversation", repliesLabel: "Quick replies", inputLabel: "Type a message",
      placeholder: "Type your question…", send: "Send", typing: "Support is typing…",
      you: "You", assistant: "Assistant", agentJoined: "{name} joined the conversation", agentLeft: "{name} left the conversation",
      anAgent: "An agent", connecting: "Connecting…", offline: "Connection lost, reconnecting…",
      languageSet: "Switched to English"
    }
  };

  var base = location.pathname.replace(/\/?$/, "/");
  var lang = (navigator.language || "zh").toLowerCase().indexOf("zh") === 0 ? "zh" : "en";
  var messages = [];
  var renewals = 0;
  var ready = false; // until the history arrives, a message could race with it and be shown twice
  // Messages the server has not yet confirmed it recorded: sent again (same id) whenever the socket
  // connects, so a message sent as the server went down is not lost; the server handles an id once.
  var unconfirmed = [];
  var ACK_TIMEOUT_MS = 20000;

  var launcher = document.getElementById("chat-launcher");
  var panel = document.getElementById("chat-panel");
  var closeButton = document.getElementById("chat-close");
  var log = document.getElementById("chat-log");
  var typing = document.getElementById("chat-typing");
  var replies = document.getElementById("chat-replies");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var statusLine = document.getElementById("chat-status");
  var langButtons = document.querySelectorAll(".lang");

  function t(key) { return (TEXTS[lang] && TEXTS[lang][key]) || TEXTS.zh[key] || key; }

  function applyLanguage() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-i18n]").forEach(function (el) { el.textContent = t(el.dataset.i18n); });
    document.querySelectorAll("[data-i18n-label]").forEach(function (el) { el.setAttribute("aria-label", t(el.dataset.i18nLabel)); });
    document.querySelectorAll("[data-i18n-placeholder]").forEach(function (el) { el.setAttribute("placeholder", t(el.dataset.i18nPlaceholder)); });
    launcher.setAttribute("aria-label", t("openChat"));
    langButtons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.lang === lang)); });
    renderAll();
  }

  function clock(ts) {
    var when = new Date((ts || Date.now() / 1000) * 1000);
    return when.toLocaleTimeString(lang === "zh" ? "zh-CN" : "en-GB", { hour: "2-digit", minute: "2-digit" });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function renderMessage(m) {
    if (m.kind === "marker") {
      var who = m.agent_name || t("anAgent");
      var line = (m.marker === "agent_left" ? t("agentLeft") : t("agentJoined")).replace("{name}", who);
      var marker = el("li", "marker " + (m.marker || ""), line);
      marker.dataset.kind = "marker";
      return marker;
    }
    var item = el("li", "msg " + m.kind);
    item.dataset.kind = m.kind;
    var sender = m.kind === "user" ? t("you") : (m.kind === "agent" ? m.agent_name : t("assistant"));
    if (m.kind === "agent") { item.appendChild(el("span", "who", m.agent_name)); }
    var bubble = el("div", "bubble", m.text);
    bubble.setAttribute("aria-label", sender + ": " + m.text);
    item.appendChild(bubble);
    var time = el("time", "meta", clock(m.ts));
    time.dateTime = new Date((m.ts || Date.now() / 1000) * 1000).toISOString();
    item.appendChild(time);
    return item;
  }

  function renderReplies() {
    replies.textContent = "";
    var last = messages[messages.length - 1];
    if (!last || last.kind === "user" || !last.buttons || !last.buttons.length) { return; }
    last.buttons.forEach(function (button) {
      var b = el("button", "", button.title);
      b.type = "button";
      b.addEventListener("click", function () { sendButton(button); });
      replies.appendChild(b);
    });
  }

  function renderAll() {
    log.textContent = "";
    messages.forEach(function (m) { log.appendChild(renderMessage(m)); });
    renderReplies();
    log.scrollTop = log.scrollHeight;
  }

  function add(m) {
    messages.push(m);
    log.appendChild(renderMessage(m));
    renderReplies();
    log.scrollTop = log.scrollHeight;
  }

  function setTyping(on) { typing.hidden = !on; if (on) { log.scrollTop = log.scrollHeight; } }

  function setStatus(key) { statusLine.textContent = key ? t(key) : ""; }

  var socket = io({ path: base + "socket.io", transports: ["websocket", "polling"], withCredentials: true });

  function newId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function deliver(sent) {
    socket.timeout(ACK_TIMEOUT_MS).emit("message", sent.data, function (err) {
      if (err) { return; } // no confirmation: sent again when the socket connects again
      var at = unconfirmed.indexOf(sent);
      if (at >= 0) { unconfirmed.splice(at, 1); }
    });
  }

  function post(data, shown) {
    data.id = newId();
    var sent = { data: data, shown: { kind: "user", text: shown, ts: Date.now() / 1000, id: data.id } };
    add(sent.shown);
    unconfirmed.push(sent);
    deliver(sent);
  }

  socket.on("connect", function () {
    renewals = 0;
    setStatus(null);
    socket.emit("history");
    unconfirmed.slice().forEach(deliver);
  });
  socket.on("disconnect", function () { setStatus("offline"); });
  socket.on("connect_error", function () {
    setStatus("offline");
    if (socket.active || renewals >= 3) { return; }
    // The server refused the session (expired or missing): get a new one, then connect again.
    renewals += 1;
    fetch(base + "session", { method: "POST", credentials: "same-origin" })
      .catch(function () { return null; })
      .then(function () { socket.connect(); });
  });
  socket.on("history", function (h) {
    messages = Array.isArray(h.messages) ? h.messages : [];
    var known = {};
    messages.forEach(function (m) { if (m.id) { known[m.id] = true; } });
    // Sent but not confirmed yet (sent again just now): still shown, once.
    unconfirmed.forEach(function (sent) { if (!known[sent.data.id]) { messages.push(sent.shown); } });
    if (h.language === "zh" || h.language === "en") { lang = h.language; }
    applyLanguage();
    ready = true;
    document.body.dataset.chatReady = "true";
  });
  socket.on("bot", function (m) { add(m); });
  socket.on("user", function (m) { add(m); });
  socket.on("typing", function (state) { setTyping(Boolean(state && state.on)); });
  socket.on("language", function (l) {
    if ((l.language === "zh" || l.language === "en") && l.language !== lang) { lang = l.language; applyLanguage(); }
  });

  function sendText() {
    var text = input.value;
    if (!text.trim() || !ready) { return; }
    post({ text: text }, text);
    input.value = "";
    setTyping(true);
  }

  function sendButton(button) {
    if (!ready) { return; }
    post({ payload: button.payload, title: button.title }, button.title);
    setTyping(true);
    input.focus();
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); sendText(); });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); sendText(); }
  });
  langButtons.forEach(function (b) {
    b.addEventListener("click", function () {
      lang = b.dataset.lang;
      applyLanguage();
      socket.emit("language", { language: lang });
    });
  });

  function openPanel() {
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    log.scrollTop = log.scrollHeight;
    input.focus();
  }
  function closePanel() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }
  launcher.addEventListener("click", openPanel);
  closeButton.addEventListener("click", closePanel);
  panel.addEventListener("keydown", function (event) { if (event.key === "Escape") { closePanel(); } });

  applyLanguage();
  setStatus(socket.connected ? null : "connecting");
  if (location.hash === "#chat") { openPanel(); }
})();
