"""The iCalendar round trip: each chosen meeting's calendar.ics, parsed by the `icalendar` library
with every TZID renamed (so that only the file's own VTIMEZONE can resolve it, never the IANA
name), expanded by `recurring_ical_events`, gives the same starts as /v1/meetings/{id}/occurrences
over a year that crosses DST changes in both hemispheres. The meetings are made for the test, with
closures and suspensions relative to now: weekly, multi-day, monthly, closed, suspended,
midnight-spanning and in-the-autumn-fold, in Berlin, New York, Sydney, Santiago and Casablanca
(whose changes follow Ramadan).

Usage: python roundtrip.py http://127.0.0.1:PORT ADMIN_KEY   (loopback only)
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


ZONES = {  # name: (latitude, longitude, hemisphere)
    "Europe/Berlin": (52.52, 13.40, "north"),
    "America/New_York": (40.71, -74.0, "north"),
    "Australia/Sydney": (-33.87, 151.21, "south"),
    "America/Santiago": (-33.45, -70.67, "south"),
    "Africa/Casablanca": (33.57, -7.59, "north"),
}


def post(path, body, key):
    request = urllib.request.Request(BASE + path, json.dumps(body).encode(),
                                     {"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with OPENER.open(request) as response:
        return json.loads(response.read())


def fixtures(key, now):
    """Meetings of every kind in zones that change offset in both hemispheres, with closures and
    suspensions relative to now (so that the test never runs out of them)."""
    body = json.loads(get("/v1/service-bodies"))["results"][0]["id"]
    chosen = {}
    for zone, (lat, lon, hemisphere) in ZONES.items():
        today = now.astimezone(ZoneInfo(zone)).date()
        wednesdays = [today + timedelta(days=d) for d in range(20, 60) if (today + timedelta(days=d)).weekday() == 2][:3]
        kinds = {
            "weekly": {"days": ["tuesday"], "start_time": "19:00"},
            "multi-day": {"days": ["monday", "thursday"], "start_time": "07:30", "duration_minutes": 90},
            "monthly": {"days": ["friday"], "start_time": "18:00", "weeks_of_month": [1, -1]},
            "closed": {"days": ["wednesday"], "start_time": "12:00"},
            "suspended": {"days": ["saturday"], "start_time": "10:00"},
            "midnight-spanning": {"days": ["sunday"], "start_time": "23:30", "duration_minutes": 120},
        }
        # A local time that occurs twice on the autumn night means the first (RFC 5545 and Lantern
        # agree). Not a time in a spring gap: RFC 5545 reads it with the offset before the gap, as
        # Lantern does, but the library under test uses the one after; Berlin's, Sydney's and
        # Casablanca's fold hours are also their gap hours.
        folds = {"America/New_York": ("sunday", "01:30"), "America/Santiago": ("saturday", "23:30")}
        if zone in folds:
            day, time = folds[zone]
            kinds["in-the-fold"] = {"days": [day], "start_time": time}
        for kind, schedule in kinds.items():
            meeting = {"name": f"{kind} in {zone}", "fellowship": "aa", "service_body_id": body, "attendance": "in_person",
                       "schedule": {"time_zone": zone, **schedule},
                       "location": {"name": "Hall", "latitude": lat, "longitude": lon}}
            if kind == "closed":
                meeting["closures"] = {"dates": [d.isoformat() for d in wednesdays]}
            if kind == "suspended":
                meeting["closures"] = {"suspended_until": (today + timedelta(days=60)).isoformat()}
            created = post("/v1/meetings", meeting, key)
            chosen[created["id"]] = (created, kind, hemisphere)
    return chosen


def main():
    now = datetime.now(timezone.utc).replace(microsecond=0)
    chosen = fixtures(sys.argv[2], now)
    start, end = now + timedelta(days=1), now + timedelta(days=364)
    checked = 0
    for mid, (m, kind, hemisphere) in sorted(chosen.items()):
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
        assert want, f"meeting {mid}: no occurrences to compare"
        if got != want:
            only_ics = sorted(set(got) - set(want))[:5]
            only_api = sorted(set(want) - set(got))[:5]
            raise AssertionError(f"meeting {mid} ({kind}, {zone}): calendar-only {only_ics}, API-only {only_api}")
        checked += 1
    # The list export: one VTIMEZONE per zone used, one VEVENT per meeting that meets.
    listed = icalendar.Calendar.from_ical(get("/v1/meetings/calendar.ics?q=Hall"))
    zones = {str(z["TZID"]) for z in listed.walk("VTIMEZONE")}
    starts = {str(e["DTSTART"].params["TZID"]) for e in listed.walk("VEVENT")}
    assert starts <= zones and len(zones) == len(list(listed.walk("VTIMEZONE"))), (zones, starts)
    # Each VTIMEZONE agrees with the tz data for ten years: its offsets, read through icalendar
    # alone, against Python's zoneinfo every six hours (zones whose rules are settled, so that the
    # two tz data versions agree; Casablanca's changes are a table through 2087).
    settled = ["Europe/Berlin", "Europe/London", "Europe/Dublin", "America/New_York", "America/Chicago", "America/Santiago",
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
        # (icalendar's zoneinfo provider ends open-ended observance rules at 2038.)
        while t < datetime(min(now.year + 11, 2039), 1, 1, tzinfo=timezone.utc):
            ours, theirs = t.astimezone(tz).utcoffset(), t.astimezone(reference).utcoffset()
            assert ours == theirs, f"{zone} at {t}: VTIMEZONE says {ours}, tz data {theirs}"
            t += timedelta(hours=6)
        compared.append(zone)
    assert len(compared) >= 5, f"only {compared} in the seed"
    print(f"VTIMEZONEs agree with zoneinfo every 6 hours from {now.year - 1} through {min(now.year + 10, 2038)}: {', '.join(compared)}")
    kinds = sorted({f"{kind}/{hemisphere}" for (_, kind, hemisphere) in chosen.values()})
    print(f"ical round trip: {checked} meetings in {len(ZONES)} zones ({', '.join(kinds)}) "
          f"agree with their occurrences from {start.date()} to {end.date()}")


main()
