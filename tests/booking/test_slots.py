"""Open slots, as a pure function: generated availabilities, zones with daylight-saving changes
inside the range, and existing sessions; every slot must keep every rule."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from booking.slots import STEP, Busy, Hours, Rules, nearest, open_slots

# Zones whose clocks change (both hemispheres, a 30-minute change) and two that never do.
ZONES = [
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Asia/Kolkata",
    "UTC",
]
# Days on which at least one of those zones changes its clocks in 2026.
CHANGES = [date(2026, 3, 8), date(2026, 3, 29), date(2026, 4, 5), date(2026, 10, 4),
           date(2026, 10, 25), date(2026, 11, 1)]  # fmt: skip
NY = "America/New_York"


@st.composite
def hours(draw: st.DrawFn) -> Hours:
    start = draw(st.integers(0, 23 * 12 - 1)) * 5
    end = draw(st.integers(start // 5 + 1, 24 * 12 - 1)) * 5
    return Hours(draw(st.integers(0, 6)), time(*divmod(start, 60)), time(*divmod(end, 60)))


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Rules, list[Busy], timedelta, datetime]:
    change = draw(st.sampled_from(CHANGES))
    now = datetime.combine(change, time(), tzinfo=UTC) - timedelta(
        minutes=draw(st.integers(0, 20 * 24 * 60))
    )
    horizon = timedelta(days=draw(st.integers(1, 30)))
    rules = Rules(
        time_zone=draw(st.sampled_from(ZONES)),
        hours=tuple(draw(st.lists(hours(), max_size=10))),
        dates_off=frozenset(
            change + timedelta(days=d) for d in draw(st.lists(st.integers(-20, 20), max_size=5))
        ),
        notice=timedelta(minutes=draw(st.integers(0, 48 * 60))),
        horizon=horizon,
        buffer=timedelta(minutes=draw(st.sampled_from([0, 5, 10, 15, 30, 60]))),
        daily_max=draw(st.integers(1, 6)),
    )
    busy = [
        Busy(start, start + timedelta(minutes=draw(st.integers(15, 240))))
        for start in (
            now + timedelta(minutes=m)
            for m in draw(st.lists(st.integers(-300, 31 * 24 * 60), max_size=30))
        )
    ]
    duration = timedelta(minutes=draw(st.sampled_from([30, 50, 80])))
    return rules, busy, duration, now


def slots_for(rules: Rules, busy: list[Busy], duration: timedelta, now: datetime) -> list[datetime]:
    return open_slots(
        rules, busy, duration=duration, start=now, end=now + timedelta(days=31), now=now
    )


def inside_hours(slot: datetime, duration: timedelta, rules: Rules) -> bool:
    """On the peer's wall clock: the slot starts and ends inside one range of its own day,
    on the range's half-hour grid."""
    tz = ZoneInfo(rules.time_zone)
    begins, ends = slot.astimezone(tz), (slot + duration).astimezone(tz)
    if begins.date() != ends.date():
        return False
    for h in rules.hours:
        # Not begins <= ends: in the hour repeated in autumn a slot can end "before" it began.
        if h.weekday != begins.weekday() or not (h.start <= begins.time() and ends.time() <= h.end):
            continue
        since = datetime.combine(begins.date(), begins.time()) - datetime.combine(
            begins.date(), h.start
        )
        if since % STEP == timedelta(0):
            return True
    return False


FAST = settings(max_examples=80, deadline=None)


@FAST
@given(scenarios())
def test_it_keeps_every_slot_inside_the_rules(scenario):
    rules, busy, duration, now = scenario
    tz = ZoneInfo(rules.time_zone)
    slots = slots_for(rules, busy, duration, now)
    per_day = Counter(b.starts_at.astimezone(tz).date() for b in busy)
    assert slots == sorted(set(slots))
    for slot in slots:
        assert slot.utcoffset() == timedelta(0)
        assert now + rules.notice <= slot < now + rules.horizon
        assert inside_hours(slot, duration, rules), slot.astimezone(tz)
        day = slot.astimezone(tz).date()
        assert day not in rules.dates_off
        assert per_day[day] < rules.daily_max
        for b in busy:
            assert slot + duration + rules.buffer <= b.starts_at or b.ends_at + rules.buffer <= slot


@FAST
@given(scenarios(), st.data())
def test_a_booked_slot_is_gone_from_every_later_listing(scenario, data):
    rules, busy, duration, now = scenario
    slots = slots_for(rules, busy, duration, now)
    if not slots:
        return
    booked = data.draw(st.sampled_from(slots))
    busy = [*busy, Busy(booked, booked + duration)]
    later = data.draw(st.integers(0, 3 * 24 * 60))
    after = slots_for(rules, busy, duration, now + timedelta(minutes=later))
    assert booked not in after
    # Time passing opens nothing but days newly inside the horizon.
    reach = now + min(rules.horizon, timedelta(days=31))
    assert {s for s in after if s < reach} <= set(slots)


@FAST
@given(scenarios())
def test_it_misses_no_slot_on_a_day_without_a_clock_change(scenario):
    """A plain reading of the rules, day by day on the wall clock, finds the same slots."""
    rules, busy, duration, now = scenario
    tz = ZoneInfo(rules.time_zone)
    found = set(slots_for(rules, busy, duration, now))
    per_day = Counter(b.starts_at.astimezone(tz).date() for b in busy)
    day = now.astimezone(tz).date()
    while day <= (now + rules.horizon).astimezone(tz).date():
        midnight = datetime.combine(day, time(), tzinfo=tz)
        steady = midnight.utcoffset() == datetime.combine(day, time(23, 59), tzinfo=tz).utcoffset()
        if steady and day not in rules.dates_off and per_day[day] < rules.daily_max:
            for h in rules.hours:
                if h.weekday != day.weekday():
                    continue
                wall = datetime.combine(day, h.start, tzinfo=tz)
                while wall + duration <= datetime.combine(day, h.end, tzinfo=tz):
                    slot = wall.astimezone(UTC)
                    free = all(
                        slot + duration + rules.buffer <= b.starts_at
                        or b.ends_at + rules.buffer <= slot
                        for b in busy
                    )
                    if free and now + rules.notice <= slot < now + rules.horizon:
                        assert slot in found, wall
                    wall += STEP
        day += timedelta(days=1)


def weekdays_9_to_12(**rules: object) -> Rules:
    defaults: dict[str, object] = {
        "time_zone": NY,
        "hours": tuple(Hours(d, time(9), time(12)) for d in range(7)),
        "notice": timedelta(0),
        "horizon": timedelta(days=60),
    }
    return Rules(**{**defaults, **rules})  # type: ignore[arg-type]


def test_a_nine_oclock_slot_in_new_york_stays_at_nine_across_the_spring_change():
    now = datetime(2026, 3, 5, tzinfo=UTC)
    slots = slots_for(weekdays_9_to_12(), [], timedelta(minutes=50), now)
    firsts = {s.astimezone(ZoneInfo(NY)).date(): s for s in reversed(slots)}
    assert firsts[date(2026, 3, 7)] == datetime(2026, 3, 7, 14, 0, tzinfo=UTC)  # EST
    assert firsts[date(2026, 3, 9)] == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)  # EDT
    assert all(s.astimezone(ZoneInfo(NY)).time() == time(9) for s in firsts.values())


def test_a_nine_oclock_slot_in_new_york_stays_at_nine_across_the_autumn_change():
    now = datetime(2026, 10, 29, tzinfo=UTC)
    slots = slots_for(weekdays_9_to_12(), [], timedelta(minutes=50), now)
    firsts = {s.astimezone(ZoneInfo(NY)).date(): s for s in reversed(slots)}
    assert firsts[date(2026, 10, 31)] == datetime(2026, 10, 31, 13, 0, tzinfo=UTC)
    assert firsts[date(2026, 11, 2)] == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


def test_the_hour_the_clocks_skip_has_no_slots():
    night = Rules(NY, (Hours(6, time(1), time(4)),), notice=timedelta(0), horizon=timedelta(days=2))
    now = datetime(2026, 3, 7, tzinfo=UTC)  # Sunday 8 March 2026: 02:00 EST becomes 03:00 EDT
    walls = [
        s.astimezone(ZoneInfo(NY)).strftime("%H:%M")
        for s in slots_for(night, [], timedelta(minutes=30), now)
    ]
    assert walls == ["01:00", "01:30", "03:00", "03:30"]


def test_a_session_and_its_buffer_take_the_slots_they_touch():
    rules = weekdays_9_to_12(buffer=timedelta(minutes=10))
    now = datetime(2026, 6, 1, tzinfo=UTC)  # Monday; 09:00 EDT is 13:00 UTC
    session = Busy(
        datetime(2026, 6, 1, 14, 0, tzinfo=UTC), datetime(2026, 6, 1, 14, 50, tzinfo=UTC)
    )
    local = [
        s.astimezone(ZoneInfo(NY)) for s in slots_for(rules, [session], timedelta(minutes=50), now)
    ]
    walls = [s.strftime("%H:%M") for s in local if s.date() == date(2026, 6, 1)]
    # The session is 10:00-10:50 New York time; with its buffer it takes 09:50-11:00.
    assert walls == ["09:00", "11:00"]


def test_the_daily_cap_closes_a_day():
    rules = weekdays_9_to_12(daily_max=1)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    session = Busy(
        datetime(2026, 6, 1, 23, 0, tzinfo=UTC), datetime(2026, 6, 1, 23, 30, tzinfo=UTC)
    )
    slots = slots_for(rules, [session], timedelta(minutes=30), now)
    assert not [s for s in slots if s.astimezone(ZoneInfo(NY)).date() == date(2026, 6, 1)]
    assert [s for s in slots if s.astimezone(ZoneInfo(NY)).date() == date(2026, 6, 2)]


def test_nearest_gives_the_closest_open_times_either_side():
    base = datetime(2026, 6, 1, tzinfo=UTC)
    slots = [base + timedelta(hours=h) for h in (1, 5, 9, 10, 30)]
    assert nearest(slots, base + timedelta(hours=8), 3) == [slots[1], slots[2], slots[3]]
