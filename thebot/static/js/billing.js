// Live invoice pages. Listens for `invoice_updated` (the invoice as its viewer sees it) on the
// `/notifications` Socket.IO namespace and updates, without a reload: state badges and overdue
// marks wherever an invoice shows; list rows (a newly sent invoice lands in the parent's open list
// in its sorted place, paid or cancelled ones move to the past list); totals; the revenue chart;
// an open invoice's times and history. The payment return page also polls
// GET /api/v1/payments/<id> until the payment is final. What a user may do is never decided
// here: buttons follow the event's can_send / can_cancel / can_pay (the service's answers).
// User text is only ever set with textContent.
(() => {
  "use strict";
  const TheBot = (window.TheBot = window.TheBot || {});
  const i18nNode = document.getElementById("billing-i18n");
  const i18n = i18nNode ? JSON.parse(i18nNode.textContent) : {};
  const lang = document.documentElement.lang || undefined;
  const OPEN = ["sent", "viewed"];
  const PAST = ["paid", "cancelled"];
  const FINAL = ["succeeded", "canceled"];
  const POLL_MS = 3000;

  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });

  // --- money and dates, in the page's language -------------------------------------------------

  /** "1500.00" → 150000 (whole kopecks; never a float sum). */
  function cents(text) {
    const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(text || "0").trim());
    if (!match) return 0;
    const value = Number(match[2]) * 100 + Number((match[3] || "0").padEnd(2, "0"));
    return match[1] ? -value : value;
  }

  const moneyFormat = new Intl.NumberFormat(lang, { style: "currency", currency: "RUB" });
  const money = (kopecks) => moneyFormat.format(kopecks / 100);
  const dayFormat = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeZone: "UTC" });
  const timeFormat = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
  const shortTime = new Intl.DateTimeFormat(lang, { dateStyle: "short", timeStyle: "short" });
  const plurals = new Intl.PluralRules(lang);

  // --- state badges, wherever an invoice shows -------------------------------------------------

  function showState(invoice) {
    document.querySelectorAll(`[data-invoice-status="${invoice.id}"]`).forEach((badge) => {
      badge.dataset.status = invoice.status;
      badge.className = `badge invoice-status is-${invoice.status}`;
      badge.textContent = i18n[invoice.status] || invoice.status;
    });
    document.querySelectorAll(`[data-invoice-overdue="${invoice.id}"]`).forEach((badge) => {
      badge.hidden = !invoice.overdue;
    });
  }

  // --- totals ----------------------------------------------------------------------------------

  /** The totals an invoice counts in: its state, and "overdue" when it is. */
  const keysOf = (status, overdue) => (overdue ? [status, "overdue"] : [status]);

  function changeTotals(before, after, amount) {
    if (!document.querySelector("[data-live-totals]")) return;
    document.querySelectorAll("[data-live-totals] [data-total]").forEach((box) => {
      const keys = box.dataset.total.split(" ");
      const was = before.some((k) => keys.includes(k));
      const is = after.some((k) => keys.includes(k));
      if (was === is) return;
      const sign = is ? 1 : -1;
      const count = Math.max(0, (Number(box.dataset.count) || 0) + sign);
      const sum = Math.max(0, cents(box.dataset.amount) + sign * amount);
      box.dataset.count = String(count);
      box.dataset.amount = (sum / 100).toFixed(2);
      box.querySelector("[data-total-amount]").textContent = money(sum);
      const counter = box.querySelector("[data-total-count]");
      const forms = JSON.parse(counter.dataset.forms || "{}");
      counter.textContent = (forms[plurals.select(count)] || forms.other || "{count}")
        .replace("{count}", String(count)).replace("%(num)d", String(count));
    });
  }

  // --- the revenue chart -----------------------------------------------------------------------

  function addRevenue(invoice) {
    const chart = document.querySelector("[data-revenue-chart]");
    if (!chart || !invoice.paid_at) return;
    const slot = chart.querySelector(`[data-month="${invoice.paid_at.slice(0, 7)}"]`);
    if (!slot) return;
    slot.dataset.amount = ((cents(slot.dataset.amount) + cents(invoice.amount)) / 100).toFixed(2);
    const slots = [...chart.querySelectorAll("[data-month]")];
    const largest = Math.max(1, ...slots.map((s) => cents(s.dataset.amount)));
    slots.forEach((s) => {
      s.querySelector("[data-bar]").style.height = `${(cents(s.dataset.amount) * 100) / largest}%`;
      s.querySelector("[data-bar-value]").textContent = money(cents(s.dataset.amount));
      s.classList.toggle("empty", cents(s.dataset.amount) === 0);
    });
  }

  // --- list rows -------------------------------------------------------------------------------

  function cell(column, invoice, table, labels) {
    const td = document.createElement("td");
    td.dataset.label = labels[column] || "";
    if (column === "amount") td.className = "num";
    if (column === "number") {
      const link = document.createElement("a");
      link.href = table.dataset.urlTemplate.replace(/0$/, String(invoice.id));
      link.textContent = (i18n.number || "No. {number}").replace("{number}", String(invoice.id));
      td.append(link);
    } else if (["student", "parent", "tutor"].includes(column)) {
      td.textContent = invoice[column] ? invoice[column].full_name : "—";
    } else if (column === "description") {
      const span = document.createElement("span");
      span.className = "invoice-for";
      const text = invoice.description || "";
      span.textContent = text.length > 80 ? `${text.slice(0, 77)}...` : text;
      td.append(span);
    } else if (column === "amount") {
      td.textContent = money(cents(invoice.amount));
    } else if (column === "due") {
      td.textContent = dayFormat.format(new Date(`${invoice.due_date}T00:00:00Z`));
    } else if (column === "status") {
      const badge = document.createElement("span");
      badge.dataset.invoiceStatus = String(invoice.id);
      const overdue = document.createElement("span");
      overdue.className = "badge invoice-overdue";
      overdue.dataset.invoiceOverdue = String(invoice.id);
      overdue.textContent = i18n.overdue || "overdue";
      td.append(badge, " ", overdue);
    }
    return td;
  }

  function newRow(invoice, table) {
    const columns = JSON.parse(table.dataset.columns);
    const labels = JSON.parse(table.dataset.labels);
    const row = document.createElement("tr");
    row.dataset.invoiceId = String(invoice.id);
    row.className = "arrived";
    columns.forEach((column) => row.append(cell(column, invoice, table, labels)));
    return row;
  }

  /** Newest (highest id) first, as the server lists them. */
  function place(table, row) {
    const body = table.tBodies[0];
    const empty = body.querySelector("tr.empty");
    if (empty) empty.hidden = true;
    const id = Number(row.dataset.invoiceId);
    const next = [...body.querySelectorAll("tr[data-invoice-id]")]
      .find((other) => other !== row && Number(other.dataset.invoiceId) < id);
    body.insertBefore(row, next || empty || null);
  }

  function leave(table, row) {
    row.remove();
    const body = table.tBodies[0];
    const empty = body.querySelector("tr.empty");
    if (empty && !body.querySelector("tr[data-invoice-id]")) empty.hidden = false;
  }

  /** Which live table (if any) of this page lists the invoice now. */
  function homeOf(invoice) {
    const tables = [...document.querySelectorAll("[data-invoices-table][data-live]")];
    return tables.find((t) => (t.dataset.live === "all")
      || (t.dataset.live === "open" && OPEN.includes(invoice.status))
      || (t.dataset.live === "past" && PAST.includes(invoice.status)));
  }

  function showRow(invoice) {
    const rows = [...document.querySelectorAll(`tr[data-invoice-id="${invoice.id}"]`)];
    const known = rows[0];
    const before = known ? keysOf(known.dataset.status, known.dataset.overdue === "true") : [];
    const home = homeOf(invoice);
    let row = known;
    if (!row && home && (invoice.status === "draft" || home.dataset.live !== "all")) {
      row = newRow(invoice, home);  // new to this page: a new draft, or newly sent to me
    }
    if (!row) return;
    const table = row.closest("table");
    if (home && table !== home) {
      if (table) leave(table, row);
      place(home, row);
    } else if (!home && table && table.dataset.live && table.dataset.live !== "all") {
      leave(table, row);  // no longer listed here and nowhere else on the page
    } else if (!table) {
      place(home, row);
    }
    const wasPaid = known && known.dataset.status === "paid";
    row.dataset.status = invoice.status;
    row.dataset.overdue = invoice.overdue ? "true" : "false";
    row.dataset.amount = invoice.amount;
    row.classList.toggle("overdue", Boolean(invoice.overdue));
    if (row.isConnected) {
      changeTotals(before, keysOf(invoice.status, invoice.overdue), cents(invoice.amount));
    }
    if (invoice.status === "paid" && known && !wasPaid) addRevenue(invoice);
  }

  // --- one invoice's page ----------------------------------------------------------------------

  function showDetail(invoice) {
    const page = document.querySelector(`[data-invoice-detail="${invoice.id}"]`);
    if (!page) return;
    page.classList.toggle("overdue", Boolean(invoice.overdue));
    ["sent_at", "viewed_at", "paid_at", "cancelled_at"].forEach((name) => {
      const value = document.querySelector(`[data-invoice-time="${name}"]`);
      const label = document.querySelector(`[data-invoice-time-label="${name}"]`);
      if (!value || !invoice[name]) return;
      value.textContent = timeFormat.format(new Date(invoice[name]));
      value.hidden = false;
      if (label) label.hidden = false;
    });
    const list = document.querySelector(`[data-invoice-history="${invoice.id}"]`);
    if (list && Array.isArray(invoice.history)) {
      list.replaceChildren(...invoice.history.map((event) => {
        const li = document.createElement("li");
        const time = document.createElement("time");
        time.dateTime = event.at;
        time.textContent = shortTime.format(new Date(event.at));
        const move = document.createElement("span");
        if (event.from) move.append(`${i18n[event.from] || event.from} → `);
        const to = document.createElement("strong");
        to.textContent = i18n[event.to] || event.to;
        move.append(to);
        const who = document.createElement("span");
        who.className = "muted";
        who.textContent = event.by ? event.by.full_name : i18n.system || "";
        li.append(time, " ", move, " ", who);
        if (event.reason) {
          const reason = document.createElement("span");
          reason.className = "reason";
          reason.textContent = event.reason;
          li.append(" ", reason);
        }
        return li;
      }));
    }
    // Each button shows while the server's can_* for this viewer says so; a newly possible
    // action the page was rendered without needs the page again.
    let missing = false;
    ["send", "cancel", "pay"].forEach((action) => {
      const allowed = invoice[`can_${action}`] === true;
      const control = page.querySelector(`[data-action="${action}"]`);
      if (control) control.hidden = !allowed;
      else if (allowed) missing = true;
    });
    const actions = page.querySelector("[data-invoice-actions]");
    if (actions) actions.hidden = !actions.querySelector("[data-action]:not([hidden])");
    const changed = page.querySelector("[data-invoice-changed]");
    if (changed && (missing || (invoice.status !== page.dataset.status && page.querySelector("[data-test=payments]")))) {
      changed.hidden = false;
    }
  }

  // --- the payment return page ----------------------------------------------------------------

  const payment = document.querySelector("[data-payment]");
  let pollTimer = null;

  function showPayment(data) {
    if (!payment || !data || !data.status) return;
    payment.dataset.status = data.status;
    payment.querySelectorAll("[data-payment-state]").forEach((block) => {
      block.hidden = block.dataset.paymentState !== data.status;
    });
  }

  async function poll() {
    if (!payment || FINAL.includes(payment.dataset.status)) return;
    window.clearTimeout(pollTimer);
    try {
      const response = await fetch(payment.dataset.pollUrl, {
        credentials: "same-origin", headers: { Accept: "application/json" },
      });
      if (response.status === 401 && TheBot.sessionEnded) {
        TheBot.sessionEnded();
        return;
      }
      if (response.ok) showPayment((await response.json()).payment);
    } catch (error) {
      // Offline for a moment: the next round asks again.
    }
    if (!FINAL.includes(payment.dataset.status)) pollTimer = window.setTimeout(poll, POLL_MS);
  }

  // --- the socket ------------------------------------------------------------------------------

  function onInvoice(invoice) {
    if (!invoice || typeof invoice.id !== "number" || typeof invoice.status !== "string") return;
    showRow(invoice);
    showState(invoice);
    showDetail(invoice);
    if (payment && Number(payment.dataset.invoiceId) === invoice.id) poll();
  }

  const live = TheBot.notificationSocket();
  if (live) {
    live.on("invoice_updated", onInvoice);
    const liveState = document.querySelector("[data-live-state]");
    if (liveState) {
      liveState.hidden = !live.connected;
      live.on("connect", () => { liveState.hidden = false; });
      live.on("disconnect", () => { liveState.hidden = true; });
    }
    // Back after a gap: the payment page asks at once (events may have been missed).
    live.on("connect", () => { if (payment) poll(); });
  }
  if (payment) poll();
})();
