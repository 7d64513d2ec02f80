// Renders the JSON Resume from GET {api}/resume (or {api}/resume/{id}): every
// section of the schema (basics, work, volunteer, education, awards,
// certificates, publications, skills, languages, interests, references,
// projects). Sections the resume does not have stay hidden. Text goes in with
// textContent only, so nothing in the resume can inject markup, and only
// http(s) and mailto URLs become links.
//
// The API and the resume id: window.RESUME_SETTINGS (settings.js). No API:
// the error state, and nothing is fetched.
(function () {
  "use strict";

  var settings = window.RESUME_SETTINGS || { api: "", id: "" };

  function resumeUrl() {
    return settings.api + (settings.id ? "/resume/" + encodeURIComponent(settings.id) : "/resume");
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

  function strings(value) {
    return list(value).map(str).filter(Boolean);
  }

  function joined(parts, separator) {
    return parts.map(str).filter(Boolean).join(separator || " \u00b7 ");
  }

  // The URL if its scheme is one of `schemes` (default: http(s) and mailto),
  // else "": no javascript:, data: or other scheme reaches an href or src.
  function safeHref(url, schemes) {
    try {
      var parsed = new URL(url, window.location.href);
      return (schemes || ["http:", "https:", "mailto:"]).indexOf(parsed.protocol) >= 0 ? parsed.href : "";
    } catch (e) {
      return "";
    }
  }

  function link(text, url) {
    var href = str(url) ? safeHref(url) : "";
    if (!href) return el("span", text);
    var a = el("a", text);
    a.href = href;
    return a;
  }

  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  // "2021-03-01" -> "Mar 2021", "2021" -> "2021".
  function date(d) {
    var m = /^(\d{4})(?:-(\d{2}))?/.exec(str(d));
    if (!m) return "";
    if (!m[2]) return m[1];
    return (MONTHS[Number(m[2]) - 1] || "") + " " + m[1];
  }

  // A missing end date of an entry that started is "present".
  function when(start, end) {
    var from = date(start);
    var to = date(end);
    if (from && !to) to = "present";
    return from ? from + " \u2013 " + to : to;
  }

  function showSection(key) {
    var section = document.getElementById("resume-" + key);
    section.hidden = false;
    return section;
  }

  // One entry: a heading (a node), a meta line, paragraphs, a bullet list and
  // a line of tags (keywords).
  function entry(parts) {
    var article = el("article", null, "entry");
    var h3 = el("h3");
    h3.appendChild(parts.title);
    article.appendChild(h3);
    if (parts.meta) article.appendChild(el("p", parts.meta, "meta"));
    (parts.paragraphs || []).map(str).filter(Boolean).forEach(function (p) {
      article.appendChild(el("p", p));
    });
    var items = strings(parts.bullets);
    if (items.length) {
      var ul = el("ul");
      items.forEach(function (h) { ul.appendChild(el("li", h)); });
      article.appendChild(ul);
    }
    var tags = strings(parts.tags);
    if (tags.length) article.appendChild(el("p", tags.join(", "), "tags"));
    return article;
  }

  // "Position, Organisation" with the organisation linked when it has a URL.
  function titled(main, at, url) {
    var title = document.createDocumentFragment();
    title.appendChild(el("span", str(main) || str(at)));
    if (str(main) && str(at)) {
      title.appendChild(document.createTextNode(", "));
      title.appendChild(link(str(at), url));
    }
    return title;
  }

  // Renders the entries of section `key` that `keep` accepts, each with `make`.
  function entries(key, items, keep, make) {
    var kept = list(items).filter(function (item) { return item && typeof item === "object" && keep(item); });
    if (!kept.length) return;
    var box = showSection(key).querySelector(".entries");
    kept.forEach(function (item) { box.appendChild(entry(make(item))); });
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
    var image = str(basics.image) ? safeHref(basics.image, ["http:", "https:"]) : "";
    if (image) {
      var img = document.getElementById("resume-image");
      img.src = image;
      img.alt = name ? "Photo of " + name : "Photo";
      img.hidden = false;
    }
    renderContact(basics);
    if (str(basics.summary)) {
      showSection("summary").querySelector("p").textContent = str(basics.summary);
    }
  }

  function renderContact(basics) {
    var contact = document.getElementById("resume-contact");
    var items = [];
    if (str(basics.email)) items.push(link(basics.email, "mailto:" + basics.email));
    if (str(basics.phone)) items.push(el("span", basics.phone));
    if (str(basics.url)) items.push(link(basics.url.replace(/^https?:\/\//, ""), basics.url));
    var loc = basics.location && typeof basics.location === "object" ? basics.location : {};
    var place = joined([loc.city, loc.region, loc.countryCode], ", ");
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
  }

  var SECTIONS = {
    work: [function (w) { return str(w.name) || str(w.position); }, function (w) {
      return {
        title: titled(w.position, w.name, w.url),
        meta: joined([when(w.startDate, w.endDate), w.location]),
        paragraphs: [w.description, w.summary],
        bullets: w.highlights,
      };
    }],
    volunteer: [function (v) { return str(v.organization) || str(v.position); }, function (v) {
      return {
        title: titled(v.position, v.organization, v.url),
        meta: when(v.startDate, v.endDate),
        paragraphs: [v.summary],
        bullets: v.highlights,
      };
    }],
    projects: [function (p) { return str(p.name); }, function (p) {
      return {
        title: link(str(p.name), p.url),
        meta: joined([when(p.startDate, p.endDate), p.entity, p.type, strings(p.roles).join(", ")]),
        paragraphs: [p.description],
        bullets: p.highlights,
        tags: p.keywords,
      };
    }],
    education: [function (e) { return str(e.institution); }, function (e) {
      var degree = joined([e.studyType, e.area], ", ");
      var title = document.createDocumentFragment();
      if (degree) title.appendChild(document.createTextNode(degree + " \u2014 "));
      title.appendChild(link(str(e.institution), e.url));
      return {
        title: title,
        meta: joined([when(e.startDate, e.endDate), str(e.score) ? "score " + str(e.score) : ""]),
        bullets: e.courses,
      };
    }],
    certificates: [function (c) { return str(c.name); }, function (c) {
      return { title: link(str(c.name), c.url), meta: joined([c.issuer, date(c.date)]) };
    }],
    awards: [function (a) { return str(a.title); }, function (a) {
      return { title: el("span", str(a.title)), meta: joined([a.awarder, date(a.date)]), paragraphs: [a.summary] };
    }],
    publications: [function (p) { return str(p.name); }, function (p) {
      return {
        title: link(str(p.name), p.url),
        meta: joined([p.publisher, date(p.releaseDate)]),
        paragraphs: [p.summary],
      };
    }],
  };

  // name -> keywords, as a definition list (skills, interests, languages).
  function terms(key, items, term, details) {
    var kept = list(items).filter(function (item) { return item && typeof item === "object" && str(term(item)); });
    if (!kept.length) return;
    var dl = showSection(key).querySelector("dl");
    kept.forEach(function (item) {
      dl.appendChild(el("dt", term(item)));
      dl.appendChild(el("dd", details(item)));
    });
  }

  function renderTerms(resume) {
    terms("skills", resume.skills, function (s) {
      return str(s.name) + (str(s.level) ? " (" + str(s.level) + ")" : "");
    }, function (s) { return strings(s.keywords).join(", "); });
    terms("languages", resume.languages, function (l) { return str(l.language); },
      function (l) { return str(l.fluency); });
    terms("interests", resume.interests, function (i) { return str(i.name); },
      function (i) { return strings(i.keywords).join(", "); });
  }

  function renderReferences(references) {
    var kept = list(references).filter(function (r) { return r && (str(r.reference) || str(r.name)); });
    if (!kept.length) return;
    var box = showSection("references").querySelector(".entries");
    kept.forEach(function (r) {
      var figure = el("figure", null, "reference");
      if (str(r.reference)) figure.appendChild(el("blockquote", str(r.reference)));
      if (str(r.name)) figure.appendChild(el("figcaption", "\u2014 " + str(r.name)));
      box.appendChild(figure);
    });
  }

  function render(resume) {
    if (!resume || typeof resume !== "object" || Array.isArray(resume)) {
      throw new Error("the answer is not a resume");
    }
    renderBasics(resume.basics);
    Object.keys(SECTIONS).forEach(function (key) {
      entries(key, resume[key], SECTIONS[key][0], SECTIONS[key][1]);
    });
    renderTerms(resume);
    renderReferences(resume.references);
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

  (settings.api
    ? fetch(resumeUrl(), { method: "GET", credentials: "omit" })
    : Promise.reject(new Error("no API configured (config.js)")))
    .then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    })
    .then(render)
    .catch(fail);
})();
