#!/usr/bin/env python3
"""Golden values for Lantern's occurrence engine, computed independently with Python's zoneinfo.

zoneinfo with fold=0 has RFC 5545 semantics: a repeated local time means its first occurrence and
a skipped one is read with the offset before the gap. This script re-implements the search rules of
ARCHITECTURE.md section 2 from scratch (it shares no code with the Rust engine) and writes
tests/fixtures/golden/occurrences.json, which the Rust tests replay.

Run from the repository root:  python3 tests/golden/occurrences.py
"""
import json
import random
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

UTC = timezone.utc
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
ZONES = [
    "America/New_York", "America/Havana", "Europe/London", "Europe/Berlin", "Australia/Sydney",
    "Australia/Lord_Howe", "America/Santiago", "Pacific/Chatham", "Asia/Kolkata", "Asia/Kathmandu",
]


def instant(zone, local):
    """The UTC instant of a naive local datetime, fold=0."""
    return local.replace(tzinfo=ZoneInfo(zone), fold=0).astimezone(UTC)


def transitions(zone, year):
    """UTC instants (to the minute) where the zone's offset changes during the year."""
    tz = ZoneInfo(zone)
    out = []
    t = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    prev = t.astimezone(tz).utcoffset()
    while t < end:
        nxt = t + timedelta(hours=1)
        off = nxt.astimezone(tz).utcoffset()
        if off != prev:
            lo, hi = t, nxt
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(tz).utcoffset() == prev:
                    lo = mid
                else:
                    hi = mid
            out.append(hi.replace(second=0, microsecond=0))
            prev = off
        t = nxt
    return out


def in_weeks(weeks, d):
    if not weeks:
        return True
    week = (d.day - 1) // 7 + 1
    last = (d + timedelta(days=7)).month != d.month
    return any(w == week or (w == -1 and last) for w in weeks)


def meets_on(m, d):
    if DAYS[d.weekday()] not in m["days"]:
        return False
    if not in_weeks(m["weeks_of_month"], d):
        return False
    if m["suspended_until"] and d <= date.fromisoformat(m["suspended_until"]):
        return False
    return d.isoformat() not in m["closed_dates"]


def occurrences(m, lo, hi):
    """(start, end) of every occurrence whose start is in [lo, hi], in order."""
    tz = ZoneInfo(m["time_zone"])
    d = lo.astimezone(tz).date() - timedelta(days=3)
    last = hi.astimezone(tz).date() + timedelta(days=3)
    h, mi = map(int, m["start_time"].split(":"))
    out = []
    while d <= last:
        if meets_on(m, d):
            s = instant(m["time_zone"], datetime(d.year, d.month, d.day, h, mi))
            if lo <= s <= hi:
                out.append((s, s + timedelta(minutes=m["duration_minutes"]), d))
        d += timedelta(days=1)
    return out


def reported(m, at, window, include_in_progress):
    dur = timedelta(minutes=m["duration_minutes"])
    lo = at - dur if include_in_progress else at
    occ = occurrences(m, lo, at + timedelta(minutes=window))
    if include_in_progress:
        running = [o for o in occ if o[0] <= at < o[1]]
        if running:
            return running[-1]
    later = [o for o in occ if o[0] >= at]
    return later[0] if later else None


def iso(t):
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_iso(t, zone):
    return t.astimezone(ZoneInfo(zone)).isoformat()


def meeting(zone, days, start, duration=60, weeks=(), closed=(), suspended=None):
    return {"time_zone": zone, "days": list(days), "start_time": start, "duration_minutes": duration,
            "weeks_of_month": list(weeks), "closed_dates": list(closed), "suspended_until": suspended}


def case(name, m, at, window=120, include=False):
    r = reported(m, at, window, include)
    expected = None
    if r:
        s, e, d = r
        expected = {"start": iso(s), "end": iso(e), "local_start": local_iso(s, m["time_zone"]),
                    "local_end": local_iso(e, m["time_zone"]), "local_date": d.isoformat(),
                    "in_progress": s <= at < e,
                    "starts_in_minutes": int((s - at.replace(microsecond=0)).total_seconds() // 60)}
    return {"name": name, "meeting": m, "at": iso(at), "window_minutes": window,
            "include_in_progress": include, "expected": expected}


def main():
    rng = random.Random(2026)
    conversions, cases = [], []
    for zone in ZONES:
        for t in transitions(zone, 2026):
            tz = ZoneInfo(zone)
            before = (t - timedelta(minutes=1)).astimezone(tz).replace(tzinfo=None) + timedelta(minutes=1)
            after = t.astimezone(tz).replace(tzinfo=None)
            # Local wall-clock values around the transition: before, inside the gap or fold, after.
            base = min(before, after)
            for delta in (-61, -30, 0, 15, 29, 30, 45, 59, 60, 61, 90):
                local = base + timedelta(minutes=delta)
                conversions.append({"zone": zone, "local": local.isoformat(), "utc": iso(instant(zone, local))})
            day = DAYS[base.weekday()]
            for delta in (0, 15, 30, 45):
                start = (base + timedelta(minutes=delta)).strftime("%H:%M")
                m = meeting(zone, [day], start, rng.choice([30, 60, 90]))
                for at_delta in (-180, -90, -30, 0, 20, 45, 80):
                    at = t + timedelta(minutes=at_delta)
                    for include in (False, True):
                        cases.append(case(f"{zone} transition {iso(t)} start {start}", m, at, 120, include))
    # Apia skipped Friday 2011-12-30 entirely (UTC-10 to UTC+14).
    apia = meeting("Pacific/Apia", ["thursday", "friday", "saturday"], "19:00")
    for at in ("2011-12-29T20:00:00", "2011-12-30T06:30:00", "2011-12-31T04:00:00", "2011-12-31T06:00:00"):
        at = datetime.fromisoformat(at).replace(tzinfo=UTC)
        for include in (False, True):
            cases.append(case("Apia skipped 2011-12-30", apia, at, 1440, include))
    for local in ("2011-12-29T23:30:00", "2011-12-30T00:00:00", "2011-12-30T12:00:00", "2011-12-31T00:00:00"):
        conversions.append({"zone": "Pacific/Apia", "local": local, "utc": iso(instant("Pacific/Apia", datetime.fromisoformat(local)))})
    # A 23:30 meeting seen at 00:10; Saturday 23:50 seen on Sunday at 00:20 (week wrap).
    late = meeting("Europe/Berlin", ["tuesday"], "23:30", 60)
    cases.append(case("23:30 meeting seen at 00:10", late, instant("Europe/Berlin", datetime(2026, 11, 25, 0, 10)), 120, True))
    cases.append(case("23:30 meeting seen at 00:10 without in-progress", late, instant("Europe/Berlin", datetime(2026, 11, 25, 0, 10)), 120, False))
    wrap = meeting("America/New_York", ["saturday"], "23:50", 60)
    for include in (True, False):
        cases.append(case("Saturday 23:50 seen Sunday 00:20", wrap, instant("America/New_York", datetime(2026, 11, 29, 0, 20)), 120, include))
    cases.append(case("Saturday 23:50 seen Saturday 23:00", wrap, instant("America/New_York", datetime(2026, 11, 28, 23, 0)), 120, False))
    # Month rules: fifth and last Mondays, first and third Thursdays.
    for weeks in ([5], [-1], [1, 3], [2, 4]):
        for day in ("monday", "thursday"):
            m = meeting("America/Chicago", [day], "19:00", 60, weeks)
            for start_day in range(1, 32, 3):
                at = instant("America/Chicago", datetime(2026, 3, 1, 8, 0)) + timedelta(days=start_day)
                cases.append(case(f"weeks {weeks} on {day}", m, at, 10080, False))
    # Closures: a closed date and a suspension.
    closed = meeting("Australia/Sydney", ["friday"], "18:00", 60, (), ["2026-12-25"])
    cases.append(case("closed on Christmas", closed, instant("Australia/Sydney", datetime(2026, 12, 25, 12, 0)), 10080, False))
    suspended = meeting("Asia/Kolkata", ["monday", "wednesday"], "07:00", 60, (), [], "2026-12-02")
    cases.append(case("suspended until 2 December", suspended, instant("Asia/Kolkata", datetime(2026, 11, 30, 6, 0)), 10080, False))
    # Random schedules in random zones at random instants, with random windows.
    for _ in range(400):
        zone = rng.choice(ZONES + ["Pacific/Apia", "Asia/Tehran", "America/St_Johns", "Pacific/Fiji", "Africa/Casablanca"])
        days = sorted(rng.sample(DAYS, rng.choice([1, 1, 1, 2, 5, 7])), key=DAYS.index)
        weeks = rng.choice([[], [], [], [1], [-1], [2, 4], [5]])
        start = f"{rng.randrange(24):02d}:{rng.choice([0, 15, 30, 45]):02d}"
        m = meeting(zone, days, start, rng.choice([30, 60, 90, 120, 1440]), weeks)
        at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(365 * 86400))
        cases.append(case("random", m, at, rng.choice([0, 30, 60, 120, 1440, 10080]), rng.random() < 0.5))
    with open("tests/fixtures/golden/occurrences.json", "w") as f:
        json.dump({"generator": "tests/golden/occurrences.py", "conversions": conversions, "cases": cases}, f, indent=0)
        f.write("\n")
    print(f"{len(conversions)} conversions, {len(cases)} cases")


if __name__ == "__main__":
    main()
