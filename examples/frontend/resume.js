// Renders the JSON Resume from GET {api}/resume: basics, work, projects,
// education and skills. Sections the resume does not have stay hidden. Text
// goes in with textContent only, so nothing in the resume can inject markup.
//
// The API base URL comes from `?api=<url>` on the page's address, else the
// `data-api-url` attribute of <html>.
(function () {
  "use strict";

  function apiBase() {
    var fromQuery = new URLSearchParams(window.location.search).get("api");
    var base = fromQuery || document.documentElement.getAttribute("data-api-url") || "";
    return base.replace(/\/+$/, "");
  }

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function str(value) {
    return typeof value === "string" && value.trim() !== "" ? value.trim() : "";
  }

  function list(value) {
    return Array.isArray(value) ? value : [];
  }

  // Only http(s) and mailto links are made clickable.
  function safeHref(url) {
    try {
      var parsed = new URL(url, window.location.href);
      return ["http:", "https:", "mailto:", "tel:"].indexOf(parsed.protocol) >= 0 ? parsed.href : "";
    } catch (e) {
      return "";
    }
  }

  function link(text, url) {
    var href = safeHref(url);
    if (!href) return el("span", text);
    var a = el("a", text);
    a.href = href;
    return a;
  }

  // "2021-03" -> "Mar 2021"; a missing end date of an entry that started is "present".
  function when(start, end) {
    function fmt(d) {
      var m = /^(\d{4})(?:-(\d{2}))?/.exec(str(d));
      if (!m) return "";
      if (!m[2]) return m[1];
      var months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
      return (months[Number(m[2]) - 1] || "") + " " + m[1];
    }
    var from = fmt(start);
    var to = fmt(end);
    if (from && !to) to = "present";
    return from ? from + " \u2013 " + to : to;
  }

  function showSection(id) {
    var section = document.getElementById(id);
    section.hidden = false;
    return section;
  }

  function entry(title, meta, summary, highlights) {
    var article = el("article", null, "entry");
    var h3 = el("h3");
    h3.appendChild(title);
    article.appendChild(h3);
    if (meta) article.appendChild(el("p", meta, "meta"));
    if (summary) article.appendChild(el("p", summary));
    var items = list(highlights).map(str).filter(Boolean);
    if (items.length) {
      var ul = el("ul");
      items.forEach(function (h) { ul.appendChild(el("li", h)); });
      article.appendChild(ul);
    }
    return article;
  }

  function renderBasics(basics) {
    if (!basics || typeof basics !== "object") return;
    var name = str(basics.name);
    if (name) {
      document.getElementById("resume-name").textContent = name;
      document.title = name + " \u2014 resume";
    }
    if (str(basics.label)) {
      var label = document.getElementById("resume-label");
      label.textContent = str(basics.label);
      label.hidden = false;
    }
    var contact = document.getElementById("resume-contact");
    var items = [];
    if (str(basics.email)) items.push(link(basics.email, "mailto:" + basics.email));
    if (str(basics.phone)) items.push(el("span", basics.phone));
    if (str(basics.url)) items.push(link(basics.url.replace(/^https?:\/\//, ""), basics.url));
    var loc = basics.location || {};
    var place = [str(loc.city), str(loc.region), str(loc.countryCode)].filter(Boolean).join(", ");
    if (place) items.push(el("span", place));
    list(basics.profiles).forEach(function (p) {
      if (p && str(p.network)) {
        items.push(link(p.network + (str(p.username) ? ": " + p.username : ""), p.url));
      }
    });
    items.forEach(function (node) {
      var li = el("li");
      li.appendChild(node);
      contact.appendChild(li);
    });
    contact.hidden = items.length === 0;
    if (str(basics.summary)) {
      showSection("resume-summary").querySelector("p").textContent = str(basics.summary);
    }
  }

  function renderWork(work) {
    var jobs = list(work).filter(function (w) { return w && (str(w.name) || str(w.position)); });
    if (!jobs.length) return;
    var box = showSection("resume-work").querySelector(".entries");
    jobs.forEach(function (w) {
      var title = document.createDocumentFragment();
      title.appendChild(el("span", str(w.position) || str(w.name)));
      if (str(w.position) && str(w.name)) {
        title.appendChild(document.createTextNode(", "));
        title.appendChild(str(w.url) ? link(w.name, w.url) : el("span", w.name));
      }
      var meta = [when(w.startDate, w.endDate), str(w.location)].filter(Boolean).join(" \u00b7 ");
      box.appendChild(entry(title, meta, str(w.summary), w.highlights));
    });
  }

  function renderProjects(projects) {
    var items = list(projects).filter(function (p) { return p && str(p.name); });
    if (!items.length) return;
    var box = showSection("resume-projects").querySelector(".entries");
    items.forEach(function (p) {
      var title = str(p.url) ? link(p.name, p.url) : el("span", p.name);
      box.appendChild(entry(title, when(p.startDate, p.endDate), str(p.description), p.highlights));
    });
  }

  function renderEducation(education) {
    var items = list(education).filter(function (e) { return e && str(e.institution); });
    if (!items.length) return;
    var box = showSection("resume-education").querySelector(".entries");
    items.forEach(function (e) {
      var degree = [str(e.studyType), str(e.area)].filter(Boolean).join(", ");
      var title = el("span", degree ? degree + " \u2014 " + e.institution : e.institution);
      var meta = [when(e.startDate, e.endDate), str(e.score)].filter(Boolean).join(" \u00b7 ");
      box.appendChild(entry(title, meta, "", e.courses));
    });
  }

  function renderSkills(skills) {
    var items = list(skills).filter(function (s) { return s && str(s.name); });
    if (!items.length) return;
    var dl = showSection("resume-skills").querySelector("dl");
    items.forEach(function (s) {
      dl.appendChild(el("dt", s.name + (str(s.level) ? " (" + s.level + ")" : "")));
      dl.appendChild(el("dd", list(s.keywords).map(str).filter(Boolean).join(", ")));
    });
  }

  function render(resume) {
    if (!resume || typeof resume !== "object" || Array.isArray(resume)) {
      throw new Error("the answer is not a resume");
    }
    renderBasics(resume.basics);
    renderWork(resume.work);
    renderProjects(resume.projects);
    renderEducation(resume.education);
    renderSkills(resume.skills);
    var status = document.getElementById("resume-status");
    status.setAttribute("data-state", "ready");
    status.hidden = true;
  }

  function fail(error) {
    console.error("resume unavailable:", error);
    var status = document.getElementById("resume-status");
    status.setAttribute("data-state", "error");
    status.hidden = true;
    var box = document.getElementById("resume-error");
    box.textContent = "The resume could not be loaded right now. Please try again later.";
    box.hidden = false;
  }

  fetch(apiBase() + "/resume", { method: "GET", credentials: "omit" })
    .then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    })
    .then(render)
    .catch(fail);
})();
