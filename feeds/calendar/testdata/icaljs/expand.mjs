// expand.mjs: reads calendars with ical.js, as a consumer of it would, and prints every occurrence
// whose original start lies before a bound, for TestICALJS (feeds/calendar) to compare with our
// parser. Input on stdin: JSON [{"path": "...", "until": "2026-01-01T00:00:00Z"}, ...]. Output on
// stdout: JSON [{"path", "error", "errors": [{"uid", "error"}], "truncated", "occurrences": [{"uid",
// "rid", "start", "end"}]}] ("error": the file could not be read; "errors": events that could not),
// each time {"date": "YYYYMMDD"} (all-day), {"local": "YYYYMMDDTHHMMSS"} (floating) or
// {"utc": unix seconds}. ICALJS_DIR is the folder install.sh printed (it holds node_modules).
//
// How it reads, and why:
// - Events are grouped by UID; each master (no RECURRENCE-ID) gets the overrides of its own UID
//   (ical.js's default would relate every override in the calendar, of any UID).
// - A master with RRULE, RDATE or overrides is expanded with Event.iterator and
//   getOccurrenceDetails (which applies overrides and RANGE=THISANDFUTURE); others are one
//   occurrence. An override without master is an occurrence of its own.
// - A TZID with no VTIMEZONE in the file (RFC 5545 3.2.19 requires one) is given the IANA zone's
//   current rules from timezones-ical-library; ical.js would read it as floating otherwise.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const modules = join(process.env.ICALJS_DIR || ".", "node_modules");
const load = (path) => import(pathToFileURL(join(modules, path)).href);
const ICAL = (await load("ical.js/dist/ical.js")).default;
const { tzlib_get_ical_block } = await load("timezones-ical-library/dist/mjs/index.js");

const maxIterations = 100000;

function time(t) {
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  const date = pad(t.year, 4) + pad(t.month) + pad(t.day);
  if (t.isDate) return { date };
  if (!t.zone || t.zone.tzid === "floating") {
    return { local: date + "T" + pad(t.hour) + pad(t.minute) + pad(t.second) };
  }
  return { utc: t.toUnixTime() };
}

const registered = new Set();
function registerZones(cal) {
  const own = new Set(cal.getAllSubcomponents("vtimezone").map((z) => z.getFirstPropertyValue("tzid")));
  const walk = (c) => {
    for (const p of c.getAllProperties()) {
      const tzid = p.getParameter("tzid");
      if (tzid && !own.has(tzid) && !registered.has(tzid)) {
        registered.add(tzid);
        const block = tzlib_get_ical_block(tzid);
        if (block && block[0]) {
          ICAL.TimezoneService.register(new ICAL.Timezone(new ICAL.Component(ICAL.parse(block[0]))));
        }
      }
    }
    c.getAllSubcomponents().forEach(walk);
  };
  walk(cal);
}

function expandFile(path, until) {
  const out = { path, occurrences: [], errors: [], truncated: false };
  const bound = ICAL.Time.fromJSDate(new Date(until), true);
  let parsed = ICAL.parse(readFileSync(path, "utf8"));
  if (typeof parsed[0] === "string") parsed = [parsed];
  for (const jcal of parsed) {
    const cal = new ICAL.Component(jcal);
    registerZones(cal);
    const groups = new Map();
    cal.getAllSubcomponents("vevent").forEach((c, i) => {
      const uid = c.getFirstPropertyValue("uid");
      const key = uid ? "uid:" + uid : "index:" + i;
      if (!groups.has(key)) groups.set(key, { uid: uid || "", masters: [], overrides: [] });
      (c.hasProperty("recurrence-id") ? groups.get(key).overrides : groups.get(key).masters).push(c);
    });
    for (const g of groups.values()) {
      try {
        expandGroup(g, bound, out);
      } catch (e) {
        // One event ical.js cannot read costs that event, not the file.
        out.errors.push({ uid: g.uid, error: String(e && e.message ? e.message : e) });
      }
    }
  }
  return out;
}

function expandGroup(g, bound, out) {
  const found = [];
  const emit = (rid, start, end) =>
    found.push({ uid: g.uid, rid: rid ? time(rid) : null, start: time(start), end: time(end) });
  if (g.masters.length === 0) {
    for (const o of g.overrides) {
      const ev = new ICAL.Event(o);
      emit(ev.recurrenceId, ev.startDate, ev.endDate);
    }
    out.occurrences.push(...found);
    return;
  }
  // A later copy of a master wins, as in our parser.
  const master = g.masters[g.masters.length - 1];
  const ev = new ICAL.Event(master, { exceptions: g.overrides });
  if (!ev.isRecurring() && g.overrides.length === 0) {
    emit(null, ev.startDate, ev.endDate);
    out.occurrences.push(...found);
    return;
  }
  const it = ev.iterator();
  for (let n = 0, next; (next = it.next()); n++) {
    if (n >= maxIterations) {
      out.truncated = true;
      break;
    }
    if (next.compare(bound) > 0) break;
    const d = ev.getOccurrenceDetails(next);
    emit(d.recurrenceId, d.startDate, d.endDate);
  }
  out.occurrences.push(...found);
}

const requests = JSON.parse(readFileSync(0, "utf8"));
const results = requests.map(({ path, until }) => {
  try {
    return expandFile(path, until);
  } catch (e) {
    return { path, error: String(e && e.message ? e.message : e), occurrences: [] };
  }
});
process.stdout.write(JSON.stringify(results));
