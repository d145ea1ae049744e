"""The iCalendar round trip: each chosen meeting's calendar.ics, parsed by the `icalendar` library
with every TZID renamed (so that only the file's own VTIMEZONE can resolve it, never the IANA
name), expanded by `recurring_ical_events`, gives the same starts as /v1/meetings/{id}/occurrences
over a year that crosses DST changes in both hemispheres. Weekly, multi-day, monthly, closed,
suspended and midnight-spanning meetings are chosen from the seed, north and south of the equator,
plus every zone whose changes are not yearly (Africa/Casablanca) that the seed has.

Usage: python roundtrip.py http://127.0.0.1:PORT   (loopback only)
"""

import json
import re
import sys
import urllib.request
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

BASE = sys.argv[1]
assert BASE.startswith("http://127.0.0.1:") or BASE.startswith("http://[::1]:"), "loopback only"
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def get(path):
    with OPENER.open(BASE + path) as response:
        return response.read()


def meetings():
    cursor, out = None, []
    while True:
        page = json.loads(get("/v1/meetings?limit=200" + (f"&cursor={cursor}" if cursor else "")))
        out.extend(page["results"])
        cursor = page.get("next_cursor")
        if not cursor:
            return out


def categories(m, today):
    s = m["schedule"]
    if not s or m["attendance"] == "inactive":
        return []
    south = (m["location"] or {}).get("latitude") is not None and m["location"]["latitude"] < 0
    kinds = []
    if s["weeks_of_month"]:
        kinds.append("monthly")
    elif len(s["days"]) > 1:
        kinds.append("multi-day")
    else:
        kinds.append("weekly")
    if any(d >= today for d in m["closures"]["dates"]):
        kinds.append("closed")
    if (m["closures"]["suspended_until"] or "") >= today:
        kinds.append("suspended")
    hours, minutes = map(int, s["start_time"].split(":"))
    if hours * 60 + minutes + s["duration_minutes"] > 24 * 60:
        kinds.append("midnight-spanning")
    if s["time_zone"] == "Africa/Casablanca":
        kinds.append("casablanca")
    return [(k, "south" if south else "north") for k in kinds]


def main():
    now = datetime.now(timezone.utc).replace(microsecond=0)
    today = now.date().isoformat()
    chosen, seen = {}, {}
    for m in meetings():
        for key in categories(m, today):
            if seen.get(key, 0) < 3:
                seen[key] = seen.get(key, 0) + 1
                chosen[m["id"]] = m
    wanted = [(k, h) for k in ("weekly", "multi-day", "monthly", "closed", "suspended", "midnight-spanning") for h in ("north", "south")]
    missing = [k for k in wanted if k not in seen]
    assert not missing, f"the seed has no meeting for {missing}"
    start, end = now + timedelta(days=1), now + timedelta(days=364)
    checked = 0
    for mid, m in sorted(chosen.items()):
        text = get(f"/v1/meetings/{mid}/calendar.ics").decode()
        assert "\n" not in text.replace("\r\n", ""), f"{mid}: a line not ended by CRLF"
        assert all(len(line.encode()) <= 75 for line in text.split("\r\n")), f"{mid}: a line over 75 octets"
        zone = m["schedule"]["time_zone"]
        # Only the file's VTIMEZONE can resolve this name (one name per file: icalendar keeps the
        # zones it has read by name for the whole process).
        alias = f"Lantern-Test-Zone-{mid}"
        text = text.replace(f"TZID:{zone}", f"TZID:{alias}").replace(f"TZID={zone}:", f"TZID={alias}:")
        calendar = icalendar.Calendar.from_ical(text)
        events = [c for c in calendar.walk("VEVENT")]
        assert len(events) == 1, f"{mid}: {len(events)} events"
        dtstart = events[0].decoded("DTSTART")
        assert dtstart.tzinfo is not None and events[0]["DTSTART"].params.get("TZID") == alias, mid
        assert dtstart <= now - timedelta(days=30), f"{mid}: DTSTART {dtstart} is not 30 days back"
        duration = events[0].decoded("DURATION")
        assert duration == timedelta(minutes=m["schedule"]["duration_minutes"]), f"{mid}: DURATION {duration}"
        expanded = recurring_ical_events.of(calendar).between(start - timedelta(days=2), end + timedelta(days=2))
        got = sorted(e.decoded("DTSTART").astimezone(timezone.utc) for e in expanded)
        got = [t for t in got if start <= t < end]
        fro, to = start.isoformat().replace("+00:00", "Z"), end.isoformat().replace("+00:00", "Z")
        answer = json.loads(get(f"/v1/meetings/{mid}/occurrences?from={fro}&to={to}"))
        want = sorted(datetime.fromisoformat(o["start"].replace("Z", "+00:00")) for o in answer["results"])
        want = [t for t in want if start <= t < end]
        if got != want:
            only_ics = sorted(set(got) - set(want))[:5]
            only_api = sorted(set(want) - set(got))[:5]
            raise AssertionError(f"meeting {mid} ({zone}, {categories(m, today)}): calendar-only {only_ics}, API-only {only_api}")
        checked += 1
    # The list export: one VTIMEZONE per zone used, one VEVENT per meeting that meets.
    listed = icalendar.Calendar.from_ical(get("/v1/meetings/calendar.ics?service_body=4"))
    zones = {str(z["TZID"]) for z in listed.walk("VTIMEZONE")}
    starts = {str(e["DTSTART"].params["TZID"]) for e in listed.walk("VEVENT")}
    assert starts <= zones and len(zones) == len(list(listed.walk("VTIMEZONE"))), (zones, starts)
    # Each VTIMEZONE agrees with the tz data for ten years: its offsets, read through icalendar
    # alone, against Python's zoneinfo every six hours (zones whose rules are settled, so that the
    # two tz data versions agree; Casablanca's changes are a table through 2087).
    settled = ["Europe/Berlin", "Europe/London", "America/New_York", "America/Chicago", "America/Santiago",
               "Australia/Sydney", "Australia/Adelaide", "Pacific/Auckland", "Africa/Casablanca", "Asia/Tokyo"]
    whole = get("/v1/meetings/calendar.ics").decode()
    compared = []
    for zone in settled:
        if f"TZID:{zone}\r\n" not in whole:
            continue
        begin = whole.index(f"BEGIN:VTIMEZONE\r\nTZID:{zone}\r\n")
        block = whole[begin:whole.index("END:VTIMEZONE\r\n", begin) + len("END:VTIMEZONE\r\n")]
        block = block.replace(f"TZID:{zone}", f"TZID:Lantern-Check-{len(compared)}")
        tz = icalendar.Calendar.from_ical(f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{block}END:VCALENDAR\r\n").walk("VTIMEZONE")[0].to_tz(lookup_tzid=False)
        reference = ZoneInfo(zone)
        t = datetime(now.year - 1, 1, 1, tzinfo=timezone.utc)
        while t < datetime(now.year + 11, 1, 1, tzinfo=timezone.utc):
            ours, theirs = t.astimezone(tz).utcoffset(), t.astimezone(reference).utcoffset()
            assert ours == theirs, f"{zone} at {t}: VTIMEZONE says {ours}, tz data {theirs}"
            t += timedelta(hours=6)
        compared.append(zone)
    assert len(compared) >= 5, f"only {compared} in the seed"
    print(f"VTIMEZONEs agree with zoneinfo every 6 hours from {now.year - 1} through {now.year + 10}: {', '.join(compared)}")
    print(f"ical round trip: {checked} meetings ({', '.join(f'{k}/{h}: {n}' for (k, h), n in sorted(seen.items()))}) "
          f"agree with their occurrences from {start.date()} to {end.date()}")


main()
